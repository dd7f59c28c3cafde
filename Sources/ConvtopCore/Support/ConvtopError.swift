/// Every error convtop reports to a user: one line saying what was wrong and what to do, with what it concerns as data.
///
/// The command line prints `description` after `convtop: error:` and exits with status 2; nothing parses messages.
public struct ConvtopError: Error, Sendable, CustomStringConvertible {
    /// Where the error arose, for callers that treat kinds differently (a sweep keeps model errors as rows).
    public enum Kind: String, Sendable {
        /// A flag, argument or combination of them.
        case usage
        /// Choosing, reading or importing a model, GPU profile, trace, schedule or recording.
        case model
        /// The structure of a graph (a cycle, a missing node).
        case graph
        /// A schedule or simulation that cannot run (a kernel that fits no SM, a stall).
        case simulation
        /// Writing an output file.
        case output
    }

    public var kind: Kind
    public var message: String
    /// The graph node the error concerns, when there is one (a node on a cycle), so callers can name it.
    public var node: Int?

    public init(_ kind: Kind, _ message: String, node: Int? = nil) {
        self.kind = kind; self.message = message; self.node = node
    }

    public var description: String { message }
}
