# Clean UTF-8 comes back byte for byte, whatever its scripts and symbols.
cat > clean.txt <<"TXT"
SÃO PAULO, AÇÃO, CORAÇÃO, ÉCOLE, ÇA VA, NOËL, ÎLE
Ça coûte 12,50 € ; 3 × 4 ≤ 15 ± 1 ; ½ ¼ ° µ ¶ § © ® ™
┌──┬──┐ │ab│cd│ └──┴──┘ ░▒▓█
Привет, мир. Γειά σου κόσμε. שלום עולם. مرحبا بالعالم.
東京都、日本。北京市。서울특별시. 😀👍🏽 🇫🇷
naïve résumé – “quoted” ‘single’ … • ‰ † ‡
TXT
cat "$FIXTURES/demo/letter.expected.txt" >> clean.txt
printf "no final newline: Straße" >> clean.txt
unbake clean.txt | cmp - clean.txt && echo identical
