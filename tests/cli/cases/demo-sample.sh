# The bundled demo sample comes back as the original text.
unbake "$FIXTURES/demo/letter.txt" | diff "$FIXTURES/demo/letter.expected.txt" - && echo ok
