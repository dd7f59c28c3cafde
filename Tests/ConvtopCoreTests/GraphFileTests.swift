import Foundation
import Testing
@testable import ConvtopCore

struct GraphFileTests {
    static let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Assets/models").path

    func load(_ json: String, batch: Int? = nil) throws -> Graph {
        try GraphFile.parse(data: Data(json.utf8), file: "net.json", batch: batch)
    }

    /// Expects a ConvtopError whose message contains every fragment.
    func expectError(_ json: String, _ fragments: String...) {
        do {
            _ = try load(json)
            Issue.record("expected an error containing \(fragments)")
        } catch let e as ConvtopError {
            for f in fragments { #expect(e.message.contains(f), "'\(e.message)' should mention '\(f)'") }
            #expect(e.message.hasPrefix("net.json: "))
            #expect(!e.message.contains("\n"))
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    @Test func shippedExamplesLoadAndAreValidGraphs() throws {
        let inc = try GraphFile.load(path: Self.assets + "/tiny_inception.json")
        #expect(inc.name == "tiny_inception")
        #expect(inc.maxWidth() == 4)
        #expect(inc.forkJoinRegions().contains { $0.branches.count == 4 })
        #expect(inc.nodes.last!.shape.dims == [1, 10])
        let res = try GraphFile.load(path: Self.assets + "/residual_block.json", batch: 2)
        #expect(res.batch == 2)
        // 64·64·9 + 2·64 + 64·64·9 + 2·64 + 64·64 + 2·64
        #expect(res.parameters == 2 * 36864 + 4096 + 3 * 128)
    }

    @Test func filesMayListNodesInAnyOrder() throws {
        let g = try load(#"{"inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"b","op":"relu","inputs":["a"]},{"name":"a","op":"conv","inputs":["x"],"out_channels":4,"kernel":3}]}"#)
        #expect(g.nodes.map(\.name) == ["x", "a", "b"])
        #expect(g.nodes[2].shape.dims == [1, 4, 6, 6])
    }

    @Test func errorsNameTheFileTheNodeAndTheProblem() {
        expectError("{nope", "not valid JSON")
        expectError("[1,2]", "top level")
        expectError(#"{"nodes":[]}"#, "'inputs'")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8]}]}"#, "'nodes'")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8,2,2,2]}],"nodes":[{"name":"a","op":"relu","inputs":["x"]}]}"#, "input 'x'", "shape")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"a","op":"warp","inputs":["x"]}]}"#, "node 'a'", "unknown op 'warp'")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"a","op":"conv","inputs":["x"],"kernel":3}]}"#, "node 'a'", "'out_channels'")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"a","op":"conv","inputs":["x"],"out_channels":-2,"kernel":3}]}"#, "node 'a'", "'out_channels'")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"a","op":"relu","inputs":["y"]}]}"#, "node 'a'", "input 'y'")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"a","op":"relu","inputs":["b"]},{"name":"b","op":"relu","inputs":["a"]}]}"#, "cycle")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"a","op":"conv","inputs":["x"],"out_channels":4,"kernel":11}]}"#, "node 'a'", "larger")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"a","op":"conv","inputs":["x"],"out_channels":4,"kernel":3,"groups":2}]}"#, "node 'a'", "groups")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8]},{"name":"y","shape":[1,3,4,4]}],"nodes":[{"name":"c","op":"concat","inputs":["x","y"]}]}"#, "node 'c'", "concat")
        expectError(#"{"inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"a","op":"relu","inputs":["x"]},{"name":"a","op":"relu","inputs":["x"]}]}"#, "'a'", "twice")
        expectError(#"{"format":"onnx","inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"a","op":"relu","inputs":["x"]}]}"#, "'format'")
        expectError(#"{"version":2,"inputs":[{"name":"x","shape":[1,3,8,8]}],"nodes":[{"name":"a","op":"relu","inputs":["x"]}]}"#, "'version'")
    }

    @Test func missingFileIsOneClearError() {
        #expect { _ = try ModelLoader.load("/no/such/net.json", batch: 1, mode: .inference) } throws: { e in
            "\(e)".contains("/no/such/net.json") && "\(e)".contains("no such file")
        }
    }
}
