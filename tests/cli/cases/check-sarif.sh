# --format=sarif: one SARIF 2.1.0 log with a result per finding.
mkdir "my dir"
printf "Le cafÃ© est fermÃ©.\n" > "my dir/a.txt"
unbake check --format=sarif "my dir" > out.sarif
echo "exit $?"
jq -r ".version, .runs[0].tool.driver.name, (.runs[0].results | length),
       (.runs[0].results[0] | .ruleId, .locations[0].physicalLocation.artifactLocation.uri,
        .locations[0].physicalLocation.region.startLine,
        .locations[0].physicalLocation.region.startColumn)" out.sarif
printf "clean\n" > c.txt
unbake check --format=sarif c.txt | jq -c ".runs[0].results"
