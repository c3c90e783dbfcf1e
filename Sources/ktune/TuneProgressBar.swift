import Foundation
import Measure
import Tuner

/// The `ktune tune` progress display on stderr: one redrawn line with a bar, overall percentage, ETA,
/// the current kernel and shape, evaluations and best-so-far; notes (noise pauses, skipped journal lines)
/// are printed on their own lines above it. On a terminal the line is redrawn in place; otherwise
/// (`--progress` into a file or pipe) a plain line is written at most once a second.
final class TuneProgressBar: TuneObserver {
    private let interactive: Bool
    private let showBar: Bool
    private let start = MonotonicClock.nanoseconds()
    private var lastPlain: UInt64 = 0
    private var targets = 0
    private var index = 0
    private var current = ""
    private var spaceSize = 0
    private var lineShown = false

    /// `showBar`: draw progress at all (TTY or `--progress`); notes are always printed.
    init(showBar: Bool) {
        self.showBar = showBar
        interactive = isatty(2) == 1
    }

    func sessionStarted(targets: [TuneTarget]) { self.targets = targets.count }

    func shapeStarted(_ target: TuneTarget, index: Int, spaceSize: Int) {
        self.index = index
        self.spaceSize = spaceSize
        current = "\(target.kernel) \(target.shape)"
        draw(fraction: 0, progress: nil)
    }

    func candidateFinished(_ target: TuneTarget, result: CandidateResult, replayed: Bool, progress: ShapeProgress) {
        draw(fraction: progress.fraction, progress: progress)
    }

    func shapeFinished(_ result: ShapeResult, index: Int) {
        draw(fraction: 1, progress: nil)
    }

    func note(_ message: String) {
        clear()
        write(message + "\n")
    }

    /// Removes the bar before the closing table.
    func finish() { clear() }

    private func draw(fraction: Double, progress: ShapeProgress?) {
        guard showBar, targets > 0 else { return }
        let now = MonotonicClock.nanoseconds()
        if !interactive {
            guard now &- lastPlain > 1_000_000_000 || fraction >= 1 else { return }
            lastPlain = now
        }
        let overall = min(1, (Double(index) + fraction) / Double(targets))
        let elapsed = Double(now &- start) * 1e-9
        let eta = overall > 0.01 ? Self.duration(elapsed * (1 - overall) / overall) : "?"
        let width = 20, filled = Int((overall * Double(width)).rounded(.down))
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        text += " \(Int(overall * 100))% \(index + 1)/\(targets) \(current)"
        if let p = progress {
            text += "  evals \(p.evaluations)/\(spaceSize)"
            if let b = p.bestGflops { text += "  best \(Self.f(b)) GFLOP/s" }
        }
        text += "  ETA \(eta)"
        if interactive {
            write("\r\u{1B}[2K" + text)
            lineShown = true
        } else {
            write(text + "\n")
        }
    }

    private func clear() {
        if interactive && lineShown {
            write("\r\u{1B}[2K")
            lineShown = false
        }
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    static func f(_ x: Double) -> String { "\((x * 10).rounded() / 10)" }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}
