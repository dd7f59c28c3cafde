import ConvtopCore
import ConvtopUI
import Foundation

/// The frame loop: read keys, advance playback, render, copy to the screen.
struct DashboardLoop {
    let screen: NcursesScreen
    let model: DashboardModel
    let fps: Int
    let maxFrames: Int?
    var recorder: SessionRecorder?
    /// Recorded key presses to replay: (seconds since start, key).
    var script: [(Double, Key)] = []
    var cast: CastWriter?
    /// Called once a second (at the frame rate's pace): `convtop watch` polls its folder here.
    var everySecond: (() -> Void)?

    func run() throws {
        let clock = ContinuousClock()
        var last = clock.now
        let begin = clock.now
        var nextScripted = 0
        var frames = 0
        let frameMs = 1000 / fps
        var quit = false
        var dirty = true
        var lastSize = (width: -1, height: -1)
        while !quit && terminationRequested == 0 {
            if let everySecond, frames % max(1, fps) == 0 { everySecond(); dirty = true }
            let size = screen.size
            // Paused with no input and no resize: the screen cannot change, so skip rendering.
            // Replayed key presses that are due.
            let since = clock.now - begin
            let sinceS = Double(since.components.seconds) + Double(since.components.attoseconds) / 1e18
            while nextScripted < script.count && script[nextScripted].0 <= sinceS {
                let effects = model.handle(script[nextScripted].1)
                if effects.contains(.quit) { quit = true }
                nextScripted += 1
                dirty = true
            }
            if quit { break }
            if dirty || !model.state.paused || size != lastSize || model.state.frame - model.state.statusFrame <= AppState.statusFrames {
                let buffer = model.render(width: size.width, height: size.height)
                screen.draw(buffer)
                cast?.frame(buffer)
                lastSize = size
                dirty = false
            }
            frames += 1
            if let maxFrames, frames >= maxFrames { break }
            // Wait for input until the next frame is due, then drain whatever else arrived.
            var wait = frameMs
            let frameStart = clock.now
            while let k = screen.readKey(timeoutMs: max(0, wait)) {
                dirty = true
                if case .key(let key) = k {
                    let before = model.state
                    let effects = model.handle(key)
                    recorder?.action(key, before: before, after: model.state)
                    for e in effects {
                        switch e {
                        case .quit: quit = true
                        case .exportTrace: exportTrace()
                        case .toggleRecording:
                            if let r = recorder {
                                r.active.toggle()
                                model.setRecording(available: true, active: r.active)
                                model.say(r.active ? "recording resumed" : "recording paused")
                            }
                        case .resimulate: break
                        }
                    }
                    if quit { break }
                }
                let elapsed = clock.now - frameStart
                wait = frameMs - Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
                if wait <= 0 { wait = 0 }
                if wait == 0 { break }
            }
            let now = clock.now
            let dt = now - last
            last = now
            model.tick(seconds: Double(dt.components.seconds) + Double(dt.components.attoseconds) / 1e18)
        }
    }

    /// Writes the current iteration as a Chrome trace next to the working directory, never overwriting a file.
    func exportTrace() {
        let s = model.state.scenario
        let base = "convtop-\(s.model.replacingOccurrences(of: "/", with: "_"))-\(s.policy.rawValue)-iter\(model.state.iteration + 1)"
        let text = ChromeTrace.render(workload: model.workload, result: model.result)
        // O_EXCL creation: an existing name (or anything swapped in) is never touched; try the next number.
        for n in 0..<1000 {
            let path = n == 0 ? base + ".json" : "\(base)-\(n).json"
            var st = stat()
            if lstat(path, &st) == 0 { continue }
            do {
                try OutputFile.write(text, to: path, overwrite: false)
                model.say("exported \(path)")
            } catch {
                model.say("export failed: \(error)")
            }
            return
        }
        model.say("export failed: 1000 earlier exports of this iteration exist here")
    }
}
