/// One part of the report (machine, tuning, profile, simulation): its blocks in reading order.
public struct Section: Sendable, Equatable {
    public var id: String
    public var title: String
    public var blocks: [Block]
    public init(id: String, title: String, blocks: [Block]) { self.id = id; self.title = title; self.blocks = blocks }

    /// A chart and the caption that says what it shows and where its data came from.
    public struct Figure: Sendable, Equatable {
        public var chart: Chart
        public var caption: String
        public init(_ chart: Chart, caption: String) { self.chart = chart; self.caption = caption }
    }

    public enum Block: Sendable, Equatable {
        case paragraph(String)
        /// Label–value pairs (the machine's facts).
        case facts([(String, String)])
        case table(header: [String], rows: [[String]])
        case figure(Figure)
        /// An input that exists but cannot be used: the reason, naming the file.
        case problem(String)
        /// No data: what to run to get it.
        case howTo(String, command: String)

        public static func == (a: Block, b: Block) -> Bool {
            switch (a, b) {
            case let (.paragraph(x), .paragraph(y)), let (.problem(x), .problem(y)): return x == y
            case let (.facts(x), .facts(y)): return x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
            case let (.table(h1, r1), .table(h2, r2)): return h1 == h2 && r1 == r2
            case let (.figure(x), .figure(y)): return x == y
            case let (.howTo(x, c), .howTo(y, d)): return x == y && c == d
            default: return false
            }
        }
    }

    /// Every chart in the section.
    public var figures: [Figure] {
        blocks.compactMap { if case let .figure(f) = $0 { return f }; return nil }
    }
}
