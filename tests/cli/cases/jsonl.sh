# --jsonl=FIELD repairs one string field per record and leaves every other
# byte alone: key order, spacing, numbers, CRLF, other fields, records
# without the field, lines that are not JSON.  \u-escaped values stay
# escaped.
cat > in.jsonl <<"J"
{"id": 1, "text": "Le cafÃ© est fermÃ©.", "n": 1.50, "other": "cafÃ©"}
{"text":"Le caf\u00c3\u00a9 est ferm\u00c3\u00a9 \/ ok","z":[1,{"text":2}]}
not json at all
{"id":2}
{ "text" : "déjà propre" }
J
printf "{\"text\": \"Une idÃ©e.\"}\r\n" >> in.jsonl
unbake --jsonl=text in.jsonl | od -An -c | tr -s " " > got.od
unbake --jsonl=text in.jsonl
