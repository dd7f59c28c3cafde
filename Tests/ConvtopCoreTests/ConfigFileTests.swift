import Testing
@testable import ConvtopCore

/// The dashboard's config file: a small TOML subset, every mistake one line naming the file and line.
struct ConfigFileTests {
    @Test func settingsBecomeDashboardArguments() throws {
        let c = try ConfigFile.parse("""
            # my defaults
            model = "googlenet"
            policy = "ios"   # the search
            batch = 8
            mouse = false
            ascii = true
            theme = "light"
            """, file: "c.toml")
        let (model, flags) = c.arguments()
        #expect(model == "googlenet")
        #expect(flags == ["--policy", "ios", "--batch", "8", "--no-mouse", "--ascii", "--theme", "light"])
    }

    @Test(arguments: [("polcy = \"heft\"", "c.toml:1: unknown key 'polcy'"),
                      ("batch = \"8\"", "c.toml:1: 'batch' takes a whole number"),
                      ("mouse = 1", "c.toml:1: 'mouse' takes true or false"),
                      ("gpu = \"h200", "c.toml:1: unterminated string"),
                      ("gpu h200", "c.toml:1: expected key = value"),
                      ("fps = 30\nfps = 60", "c.toml:2: 'fps' is set twice"),
                      ("batch = 99999999999999999999", "is not a quoted string, an integer or true/false"),
                      ("model = \"\u{1B}[31mx\" junk", "c.toml:1: unexpected text after the string")])
    func mistakesAreOneLineErrors(_ c: (String, String)) {
        do {
            _ = try ConfigFile.parse(c.0, file: "c.toml")
            Issue.record("accepted \(c.0)")
        } catch let e as ConvtopError {
            #expect(e.message.contains(c.1), "\(e.message)")
            #expect(!e.message.contains("\n") && !e.message.contains("\u{1B}"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func pathFollowsXDGThenHome() throws {
        #expect(ConfigFile.defaultPath(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]) == "/x/convtop/config.toml")
        #expect(ConfigFile.defaultPath(environment: ["XDG_CONFIG_HOME": "relative", "HOME": "/h"]) == "/h/.config/convtop/config.toml")
        #expect(ConfigFile.defaultPath(environment: [:]) == nil)
        #expect(try ConfigFile.load(path: "/nonexistent/convtop/config.toml") == ConfigFile())
    }
}

/// Mutated config files (bytes flipped, inserted, deleted, lines cut) never trap: each parses or is one-line refused.
struct ConfigFileFuzzTests {
    @Test func mutatedFilesParseOrAreRefused() {
        let valid = Array("model = \"googlenet\"\npolicy = \"ios\" # x\nbatch = 8\nmouse = false\ntheme = \"light\"\n".utf8)
        var rng = SplitMix64(seed: 11)
        var refused = 0, accepted = 0
        for _ in 0..<3000 {
            var b = valid
            for _ in 0..<Int(rng.next() % 4 + 1) {
                let i = Int(rng.next() % UInt64(max(b.count, 1)))
                switch rng.next() % 3 {
                case 0 where !b.isEmpty: b[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: min(i, b.count))
                default: if !b.isEmpty { b.remove(at: i) }
                }
            }
            let text = String(decoding: b, as: UTF8.self)
            do { _ = try ConfigFile.parse(text, file: "c.toml"); accepted += 1 } catch let e as ConvtopError {
                #expect(!e.message.contains("\n"))
                refused += 1
            } catch { Issue.record("unexpected \(error)") }
        }
        #expect(refused > 100 && accepted > 100)
    }
}
