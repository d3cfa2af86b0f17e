/// One statement of a remap program.
struct RemapStatement: Sendable {
    indirect enum Kind: Sendable {
        /// `.path = expression`
        case assign(Path, ExpressionNode)
        /// An expression evaluated for its effect (`del(.path)`).
        case evaluate(ExpressionNode)
        /// `if condition { ... } else { ... }`
        case conditional(ExpressionNode, then: [RemapStatement], else: [RemapStatement])
        /// `abort`: drop the event.
        case abort
    }

    var kind: Kind
    var offset: Int
}
