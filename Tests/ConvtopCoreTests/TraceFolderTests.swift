import Foundation
import Testing
@testable import ConvtopCore

/// `convtop watch`'s folder polling: a trace is reported once its size holds still between two polls; the newest
/// finished one wins; other files and folders are ignored; nothing is written.
struct TraceFolderTests {
    @Test func reportsFinishedTracesOnceNewestFirst() throws {
        let dir = NSTemporaryDirectory() + "convtop-watch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var f = try TraceFolder(path: dir)
        #expect(f.poll() == nil)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/a.pt.trace.json"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir + "/readme.txt"))
        try FileManager.default.createDirectory(atPath: dir + "/plugins.json", withIntermediateDirectories: true)
        #expect(f.poll() == nil)                               // first sight: size not yet known to hold
        #expect(f.poll() == dir + "/a.pt.trace.json")          // unchanged since: finished
        #expect(f.poll() == nil)                               // reported once
        let b = URL(fileURLWithPath: dir + "/b.pt.trace.json.gz")
        try Data([1, 2, 3]).write(to: b)
        #expect(f.poll() == nil)
        try Data([1, 2, 3, 4, 5]).write(to: b)                 // still being written
        #expect(f.poll() == nil)
        #expect(f.poll() == dir + "/b.pt.trace.json.gz")
        #expect(throws: ConvtopError.self) { _ = try TraceFolder(path: dir + "/readme.txt") }
        #expect(throws: ConvtopError.self) { _ = try TraceFolder(path: dir + "/missing") }
    }
}
