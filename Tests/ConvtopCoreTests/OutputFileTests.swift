import Foundation
import Testing
@testable import ConvtopCore

/// convtop writes only the regular file a user names: devices, links, FIFOs and folders survive `--force`.
struct OutputFileTests {
    /// A fresh temporary folder per test.
    func folder() throws -> String {
        let d = NSTemporaryDirectory() + "convtop-out-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func expectRefused(_ path: String, overwrite: Bool, _ fragment: String) {
        do {
            _ = try OutputFile(path: path, overwrite: overwrite)
            Issue.record("\(path) should be refused")
        } catch let e as ConvtopError {
            #expect(e.message.contains(fragment), "'\(e.message)' should say '\(fragment)'")
            #expect(!e.message.contains("\n"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func devNullSurvivesForce() throws {
        var before = stat()
        #expect(lstat("/dev/null", &before) == 0)
        expectRefused("/dev/null", overwrite: true, "is a device")
        #expect(throws: ConvtopError.self) { try OutputFile.check(path: "/dev/null", overwrite: true) }
        var after = stat()
        #expect(lstat("/dev/null", &after) == 0)
        #expect(after.st_mode & S_IFMT == S_IFCHR)
        #expect(after.st_ino == before.st_ino)
    }

    @Test func symlinkIsNeverFollowedNorReplaced() throws {
        let d = try folder()
        let target = d + "/target.txt", link = d + "/link.json"
        try "keep me".write(toFile: target, atomically: false, encoding: .utf8)
        #expect(symlink(target, link) == 0)
        expectRefused(link, overwrite: true, "symbolic link")
        expectRefused(link, overwrite: false, "symbolic link")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me")
        var st = stat()
        #expect(lstat(link, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK)
    }

    @Test func fifoNeitherBlocksNorIsReplaced() throws {
        let d = try folder()
        let fifo = d + "/x.json"
        #expect(mkfifo(fifo, 0o644) == 0)
        expectRefused(fifo, overwrite: true, "FIFO")
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
    }

    @Test func folderIsRefused() throws {
        let d = try folder()
        try FileManager.default.createDirectory(atPath: d + "/x.json", withIntermediateDirectories: false)
        expectRefused(d + "/x.json", overwrite: true, "folder")
    }

    @Test func existingRegularFileNeedsOverwriteAndIsTruncatedInPlace() throws {
        let d = try folder()
        let p = d + "/out.json"
        try "a much longer old content".write(toFile: p, atomically: false, encoding: .utf8)
        var before = stat()
        #expect(lstat(p, &before) == 0)
        expectRefused(p, overwrite: false, "already exists; pass --force")
        try OutputFile.write("new", to: p, overwrite: true)
        #expect(try String(contentsOfFile: p, encoding: .utf8) == "new")
        var after = stat()
        #expect(lstat(p, &after) == 0)
        #expect(after.st_ino == before.st_ino, "written in place, not renamed over")
    }

    @Test func newFileIsCreatedAndMissingFolderIsOneLine() throws {
        let d = try folder()
        try OutputFile.write("hello", to: d + "/new.json", overwrite: false)
        #expect(try String(contentsOfFile: d + "/new.json", encoding: .utf8) == "hello")
        expectRefused(d + "/nope/new.json", overwrite: false, "cannot create")
        #expect(throws: ConvtopError.self) { try OutputFile.check(path: d + "/nope/new.json", overwrite: false) }
        try OutputFile.check(path: d + "/other.json", overwrite: false)
        #expect(!FileManager.default.fileExists(atPath: d + "/other.json"), "check creates nothing")
    }

    @Test func escapeSequencesInNamesAreNotEchoed() {
        #expect(SafeText.printable("a\u{1B}[31mred\u{7}") == "a\\u{1B}[31mred\\u{7}")
        #expect(SafeText.printable("plain µs ok") == "plain µs ok")
        do { _ = try OutputFile(path: "/nonexistent-folder/\u{1B}]0;title\u{7}.json", overwrite: false) } catch let e as ConvtopError {
            #expect(!e.message.contains("\u{1B}"))
        } catch { Issue.record("unexpected \(error)") }
    }
}
