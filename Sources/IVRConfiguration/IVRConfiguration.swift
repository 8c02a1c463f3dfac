// IVRConfiguration: the menu model (`MenuConfiguration` and the value types it is made of: nodes,
// routes, actions, conditions, test scenarios, templates, digit patterns and route regexes), reading the
// menu file, loading its YAML (Yams, after a libyaml event scan that bounds alias expansion) and
// validating it, with every problem at its file:line:column.
//
// The only module of the menu side that reads files, so that the router that consumes the model stays
// pure. Templates, digit patterns and regexes are here because a route or action holds them and the
// loader must parse them to report their errors in place; matching with them is theirs too, so that a
// parsed value and its meaning stay in one file.
