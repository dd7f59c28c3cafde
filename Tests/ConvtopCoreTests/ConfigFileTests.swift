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
