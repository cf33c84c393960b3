# A reader that goes away (EPIPE) is a write error: reported, exit 1.
yes "Une idÃ©e trÃ¨s simple." | head -c 4000000 > big.txt
unbake big.txt | head -c 10 > /dev/null
echo "unbake exit ${PIPESTATUS[0]}"
