import Foundation
import Testing

/// The README's examples run as printed: every fenced block that starts with `$ convtop ARGS` is run with the
/// binary built beside this test bundle and must print exactly the block's remaining lines (trailing spaces aside).
/// A block whose command ends in `# excerpt` must print each of its lines, in order, among others.
@Suite(.serialized) struct ReadmeExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("convtop").path
    }

    struct Example { var args: [String]; var excerpt: Bool; var expected: [String]; var line: Int }

    static func examples() throws -> [Example] {
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var out: [Example] = []
        var i = 0
        while i < lines.count {
            if lines[i].hasPrefix("```"), i + 1 < lines.count, lines[i + 1].hasPrefix("$ convtop ") {
                var command = String(lines[i + 1].dropFirst("$ convtop ".count))
                let excerpt = command.hasSuffix("# excerpt")
                if excerpt { command = String(command.dropLast("# excerpt".count)) }
                var body: [String] = []
                var j = i + 2
                while j < lines.count && !lines[j].hasPrefix("```") { body.append(lines[j]); j += 1 }
                out.append(Example(args: command.split(separator: " ").map(String.init), excerpt: excerpt, expected: body, line: i + 2))
                i = j
            }
            i += 1
        }
        return out
    }

    func run(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = Self.root
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func trimmed(_ s: String) -> String {
        var t = s
        while t.last == " " { t.removeLast() }
        return t
    }

    @Test func everyQuotedCommandPrintsWhatTheReadmeSays() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 5, "the README quotes its commands as '$ convtop …' blocks")
        // The commands are independent: run them side by side (the longest, `validate`, sets the pace).
        final class Outputs: @unchecked Sendable {
            let lock = NSLock()
            var text: [Int: String] = [:]
            func set(_ i: Int, _ s: String) { lock.lock(); text[i] = s; lock.unlock() }
        }
        let outputs = Outputs()
        let argsList = examples.map(\.args)
        let tool = self
        DispatchQueue.concurrentPerform(iterations: argsList.count) { i in
            outputs.set(i, (try? tool.run(argsList[i])) ?? "")
        }
        for (index, e) in examples.enumerated() {
            let actual = (outputs.text[index] ?? "").split(separator: "\n", omittingEmptySubsequences: false).map { Self.trimmed(String($0)) }
            let expected = e.expected.map(Self.trimmed)
            if e.excerpt {
                var at = 0
                for line in expected where !line.isEmpty {
                    guard let found = actual[at...].firstIndex(of: line) else {
                        Issue.record("README line \(e.line) (convtop \(e.args.joined(separator: " "))): '\(line)' is not printed (in that order)")
                        break
                    }
                    at = found + 1
                }
            } else {
                let a = actual.last == "" ? Array(actual.dropLast()) : actual
                if a != expected {
                    let first = zip(a, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, expected.count)
                    Issue.record("README line \(e.line) (convtop \(e.args.joined(separator: " "))) differs at output line \(first + 1):\n  README: \(first < expected.count ? expected[first] : "<none>")\n  prints: \(first < a.count ? a[first] : "<none>")")
                }
            }
        }
    }

    /// The quick start's screenshot is the reviewed golden 120×40 screen, which the snapshot tests check.
    @Test func quickStartScreenIsTheGoldenScreen() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let golden = try String(contentsOf: Self.root.appendingPathComponent("Tests/ConvtopUITests/Golden/screen_120x40.txt"), encoding: .utf8)
        let goldenLines = golden.split(separator: "\n").map { Self.trimmed(String($0)) }
        let readmeLines = readme.split(separator: "\n").map { Self.trimmed(String($0)) }
        guard let start = readmeLines.firstIndex(of: goldenLines[0]) else {
            Issue.record("the README's quick-start screen does not start with the golden screen's first line"); return
        }
        #expect(Array(readmeLines[start..<min(start + goldenLines.count, readmeLines.count)]) == goldenLines)
    }
}
