import ConvtopCore

/// Everything the dashboard shows that is not derived from the current simulation.
public struct AppState: Sendable, Equatable {
    public var scenario: Scenario
    public var gpuNames: [String]
    public var iteration = 0
    public var paused = false
    /// Playback cursor, µs into the current iteration.
    public var cursor = 0.0
    /// Seconds of wall time one iteration takes to play at speed 1.
    public var secondsPerIteration = 4.0
    /// Playback speed multiplier (powers of two).
    public var speed = 1.0
    /// Visible fraction of the iteration in the timeline (1 = whole iteration).
    public var zoom = 1.0
    public var showHelp = false
    /// First help line shown (the help scrolls when the terminal is short).
    public var helpScroll = 0
    /// The "why" overlay: where this iteration's lost parallelism goes (`convtop explain` for the iteration at hand).
    public var showExplain = false
    /// The kernel inspector: the kernel at the cursor on `inspectStream` (nil: the largest one running there).
    public var showInspector = false
    /// The search typed after `/` (empty: none); while `searchEditing`, keys edit it; after Enter, n/N step through
    /// the matches until Esc clears it.
    public var searchQuery = ""
    public var searchEditing = false
    /// The A/B view: the policy compared against (B) under the current one (A); nil: off.
    public var abPolicy: PolicyKind? = nil
    /// The policy before the last switch: what `v` compares against.
    public var previousPolicy: PolicyKind? = nil
    /// The one stream shown in full (others dimmed in the timelines, SM bars and branches); nil: all.
    public var filterStream: Int? = nil

    /// Whether the stream filter dims `stream` (another stream is shown alone).
    public func dims(stream: Int) -> Bool { filterStream.map { $0 != stream } ?? false }
    public var inspectStream: Int? = nil
    public var recordingAvailable = false
    public var recording = false
    /// A short message shown in the footer line, and the frame it appeared.
    public var status = ""
    public var statusFrame = 0
    /// Frames a status message stays in the footer.
    public static let statusFrames = 120
    public var frame = 0
    /// Recent iterations: time (ms) and the policy that produced it, oldest first.
    public var history: [HistoryPoint] = []
    public var quitting = false

    public init(scenario: Scenario, gpuNames: [String]) {
        self.scenario = scenario
        self.gpuNames = gpuNames
    }
}

/// One finished iteration in the sparkline.
public struct HistoryPoint: Sendable, Equatable {
    public var iterationMs: Double
    public var policy: PolicyKind
    /// Every other setting (model, mode, batch, GPU, launch, streams, precision) with the policy left out: times
    /// are compared only between points of one setting.
    public var setting: Scenario

    public init(iterationMs: Double, scenario: Scenario) {
        self.iterationMs = iterationMs
        policy = scenario.policy
        var s = scenario
        s.policy = .serial
        s.seed = 0
        setting = s
    }
}
