/// A node of an HTML or SVG document: an element with attributes and children, or text.
///
/// Every string that reaches the output through `text` or an attribute value is escaped (`&`, `<`, `>`,
/// `"`, `'`), so text read from input files (model names, paths, GPU names) can never inject markup. The
/// only unescaped content is `trusted`, which takes a `StaticString`: literals written in this source code
/// (the page's style sheet), never data.
public indirect enum Markup: Sendable, Equatable {
    case element(name: String, attributes: [Attribute], children: [Markup])
    case text(String)
    case trusted(String)

    /// One `name="value"` pair; the value is escaped when rendered.
    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }
    }

    /// An element: `Markup.el("rect", ["x": "1"], [...])`. Attributes keep the order given.
    public static func el(_ name: String, _ attributes: KeyValuePairs<String, String> = [:],
                          _ children: [Markup] = []) -> Markup {
        .element(name: name, attributes: attributes.map { Attribute($0.key, $0.value) }, children: children)
    }

    /// An element with attributes built at run time (optional values are left out).
    public static func el(_ name: String, attrs: [(String, String?)], _ children: [Markup] = []) -> Markup {
        .element(name: name, attributes: attrs.compactMap { k, v in v.map { Attribute(k, $0) } }, children: children)
    }

    /// An element holding only text.
    public static func el(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) -> Markup {
        el(name, attributes, [.text(text)])
    }

    /// Literal markup from this source code (never from data).
    public static func literal(_ s: StaticString) -> Markup { .trusted(s.description) }

    /// HTML void elements, written without a closing tag.
    private static let void: Set<String> = ["meta", "br", "hr", "img", "link", "input", "col"]

    /// The serialized document fragment.
    public func render() -> String {
        var out = ""
        render(into: &out)
        return out
    }

    public func render(into out: inout String) {
        switch self {
        case let .text(s): out += Self.escape(s)
        case let .trusted(s): out += s
        case let .element(name, attributes, children):
            out += "<" + name
            for a in attributes { out += " " + a.name + "=\"" + Self.escape(a.value) + "\"" }
            if children.isEmpty && Self.void.contains(name) { out += ">"; return }
            if children.isEmpty && Self.svgLeaf.contains(name) {
                out += "/>"
            } else {
                out += ">"
                for c in children { c.render(into: &out) }
                out += "</" + name + ">"
            }
            // One element per line for block-level elements keeps golden files reviewable.
            if Self.lineBreakAfter.contains(name) { out += "\n" }
        }
    }

    /// SVG elements that are written self-closed when empty.
    private static let svgLeaf: Set<String> = ["rect", "line", "circle", "path", "polyline", "polygon"]
    private static let lineBreakAfter: Set<String> = ["g", "svg", "rect", "line", "circle", "path", "polyline",
        "polygon", "text", "section", "figure", "p", "tr", "table", "h1", "h2", "h3", "div", "li", "ul", "head",
        "style", "figcaption", "title"]

    /// `s` with the five HTML-significant characters replaced by entities.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab/newline are not allowed in HTML text; drop them.
                if ch.value < 0x20 && ch != "\n" && ch != "\t" { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }
}
