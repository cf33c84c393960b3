# Standard input cannot be rewritten in place; -i needs operands.
unbake -i -
echo "exit $?"
unbake -i
echo "exit $?"
