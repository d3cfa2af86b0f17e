/// The `drop_on_error` option's help, shared by the transforms that evaluate expressions.
let dropOnErrorHelp =
    "true: an event whose evaluation fails is dropped and counted. false: it goes to the `<id>.errors` output with `_error: {stage, message}` attached."
