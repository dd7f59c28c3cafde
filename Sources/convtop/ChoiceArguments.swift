import ArgumentParser
import ConvtopCore
import ConvtopUI

/// A flag whose value is one case of an enum, matched without regard to case; its cases are what shell completion and
/// ArgumentParser's one-line "Please provide one of …" error offer.
protocol ChoiceArgument: ExpressibleByArgument, CaseIterable, RawRepresentable where RawValue == String {}

extension ChoiceArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}

extension GraphMode: ChoiceArgument {}
extension LaunchMode: ChoiceArgument {}
extension Precision: ChoiceArgument {}
extension OptimizerStyle: ChoiceArgument {}
extension PolicyKind: ChoiceArgument {}
extension Theme: ChoiceArgument {}
extension KernelSource: ChoiceArgument {}
extension ProcessState: ChoiceArgument {}

/// A comma-separated list of choices (`--policies branch,heft`), each checked with a one-line error naming the valid ones.
func parseChoiceList<T: ChoiceArgument>(_ value: String, _ name: String, _: T.Type) throws -> [T] {
    try value.split(separator: ",").map { part in
        let v = part.trimmingCharacters(in: .whitespaces)
        if let c = T(argument: v) { return c }
        throw ConvtopError(.usage, "unknown \(name) '\(v)'; valid: \(T.allValueStrings.joined(separator: ", "))")
    }
}
