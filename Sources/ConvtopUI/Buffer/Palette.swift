/// Colours for a dark terminal background (the default) or a light one.
public enum Theme: String, Sendable, CaseIterable {
    case dark, light
}

/// The colours every backend draws roles in: an xterm 256-colour index, and one of the eight basic ANSI colours for
/// terminals without 256 (nil: the terminal's default foreground).
public enum Palette {
    /// The 256-colour index of a role in a theme: the light theme uses darker shades that read on white.
    public static func xterm256(_ role: ColorRole, theme: Theme) -> Int? {
        guard theme == .light else { return xterm256(role) }
        switch role {
        case .normal: return nil
        case .accent: return 25
        case .dim: return 245
        case .good: return 28
        case .warn: return 130
        case .bad: return 160
        case .title: return 24
        case .cursor: return 127
        case .stream0: return 25
        case .stream1: return 28
        case .stream2: return 130
        case .stream3: return 91
        case .stream4: return 30
        case .stream5: return 160
        case .stream6: return 94
        case .stream7: return 240
        }
    }

    public static func xterm256(_ role: ColorRole) -> Int? {
        switch role {
        case .normal: return nil
        case .accent: return 45
        case .dim: return 244
        case .good: return 83
        case .warn: return 221
        case .bad: return 203
        case .title: return 81
        case .cursor: return 201
        case .stream0: return 39
        case .stream1: return 41
        case .stream2: return 214
        case .stream3: return 170
        case .stream4: return 44
        case .stream5: return 203
        case .stream6: return 227
        case .stream7: return 250
        }
    }

    /// ANSI colour numbers: 1 red, 2 green, 3 yellow, 4 blue, 5 magenta, 6 cyan, 7 white.
    public static func basic(_ role: ColorRole) -> Int? {
        switch role {
        case .normal, .dim: return nil
        case .accent, .title, .stream4: return 6
        case .good, .stream1: return 2
        case .warn, .stream2, .stream6: return 3
        case .bad, .stream5: return 1
        case .cursor, .stream3: return 5
        case .stream0: return 4
        case .stream7: return 7
        }
    }
}
