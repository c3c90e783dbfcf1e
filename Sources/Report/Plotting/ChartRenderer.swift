import Foundation

/// Drawing a `Chart` as SVG markup: frame, grid, axes with ticks, legend, then the marks.
extension Chart {
    public func svg() -> Markup {
        let f = frame()
        func px(_ v: Double) -> Double { f.left + x.scale.fraction(v) * f.width }
        // Categories on the y axis read top-down (first row at the top), values bottom-up.
        let bandY: Bool = { if case .band = y.scale { return true }; return false }()
        func py(_ v: Double) -> Double {
            bandY ? f.top + y.scale.fraction(v) * f.height : f.top + f.height - y.scale.fraction(v) * f.height
        }
        var parts: [Markup] = [
            .el("title", text: title),
            .el("style", [:], [.literal(Self.style)]),
            .el("text", ["x": "0", "y": "18", "class": "chart-title"], text: title),
        ]
        parts += legendMarkup(top: 30)
        parts.append(gridAndAxes(f, px: px, py: py))
        parts.append(.el("g", ["class": "marks"], marks.flatMap { draw($0, f, px: px, py: py) } + placeLabels(f, px: px, py: py)))
        return .el("svg", attrs: [("xmlns", "http://www.w3.org/2000/svg"), ("class", "chart"),
                                  ("viewBox", "0 0 \(n(width)) \(n(height))"), ("width", n(width)),
                                  ("height", n(height)), ("role", "img")], parts)
    }

    /// The chart's own style sheet, inside the SVG, so a chart copied out of the page (or a golden file
    /// opened on its own) looks the same.
    static let style: StaticString = """
        .chart text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif; }
        .chart .chart-title { font-size: 15px; font-weight: 700; fill: #1d232a; }
        .chart .legend { font-size: 12px; fill: #33404c; }
        .chart .tick-label { font-size: 11px; fill: #4d5863; }
        .chart .axis-label { font-size: 12px; fill: #33404c; }
        .chart .axis { stroke: #69737d; stroke-width: 1; }
        .chart .tick { stroke: #69737d; }
        .chart .grid { stroke: #e3e7eb; stroke-width: 1; }
        .chart .grid-minor { stroke: #f1f3f5; stroke-width: 1; }
        .chart .mark-label { font-size: 11px; }
        .chart .mark-label.strong { font-weight: 700; }
        """

    /// Coordinates with one decimal, no trailing ".0": small, stable golden files.
    func n(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        // Far-off coordinates (a value far outside the domain) are clamped, never trapped on in Int().
        let r = (Swift.min(Swift.max(v, -1e7), 1e7) * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }

    private func legendMarkup(top: Double) -> [Markup] {
        var out: [Markup] = []
        for (row, entries) in legendRows().enumerated() {
            let y0 = top + Double(row) * 18
            for (e, x0) in entries {
                let cy = y0 + 6
                let symbol: Markup
                switch e.kind {
                case .swatch:
                    symbol = .el("rect", ["x": n(x0), "y": n(cy - 5), "width": "14", "height": "10", "fill": e.color])
                case let .line(dashed):
                    symbol = .el("line", attrs: [("x1", n(x0)), ("y1", n(cy)), ("x2", n(x0 + 16)), ("y2", n(cy)),
                                                 ("stroke", e.color), ("stroke-width", "2.5"),
                                                 ("stroke-dasharray", dashed ? "5 3" : nil)])
                case let .symbol(s):
                    symbol = symbolMarkup(s, cx: x0 + 7, cy: cy, r: 4.5, fill: e.color, title: nil)
                }
                out.append(.el("g", ["class": "legend-entry"], [
                    symbol, .el("text", ["x": n(x0 + 22), "y": n(cy + 4), "class": "legend"], text: e.label),
                ]))
            }
        }
        if let bar = colorBar {
            let y0 = top + Double(legendRows().count) * 18 + 2
            var cells: [Markup] = [.el("text", ["x": "0", "y": n(y0 + 10), "class": "legend"], text: bar.label)]
            let x0 = Self.textWidth(bar.label, size: 12) + 10
            cells.append(.el("text", ["x": n(x0), "y": n(y0 + 10), "class": "legend"], text: NumberFormat.short(bar.domain.lowerBound)))
            let start = x0 + Self.textWidth(NumberFormat.short(bar.domain.lowerBound), size: 12) + 6
            for i in 0..<20 {
                cells.append(.el("rect", ["x": n(start + Double(i) * 8), "y": n(y0), "width": "8", "height": "12",
                                          "fill": Palette.sequential(Double(i) / 19)]))
            }
            cells.append(.el("text", ["x": n(start + 166), "y": n(y0 + 10), "class": "legend"], text: NumberFormat.short(bar.domain.upperBound)))
            out.append(.el("g", ["class": "colorbar"], cells))
        }
        return out
    }

    private func gridAndAxes(_ f: Frame, px: (Double) -> Double, py: (Double) -> Double) -> Markup {
        var g: [Markup] = []
        let bottom = f.top + f.height, right = f.left + f.width
        let isBandX: Bool = { if case .band = x.scale { return true }; return false }()
        let isBandY: Bool = { if case .band = y.scale { return true }; return false }()
        for v in x.scale.minorTicks {
            g.append(.el("line", ["x1": n(px(v)), "y1": n(f.top), "x2": n(px(v)), "y2": n(bottom), "class": "grid-minor"]))
        }
        for v in y.scale.minorTicks {
            g.append(.el("line", ["x1": n(f.left), "y1": n(py(v)), "x2": n(right), "y2": n(py(v)), "class": "grid-minor"]))
        }
        for t in x.scale.ticks {
            let xp = px(t.value)
            if !isBandX { g.append(.el("line", ["x1": n(xp), "y1": n(f.top), "x2": n(xp), "y2": n(bottom), "class": "grid"])) }
            g.append(.el("line", ["x1": n(xp), "y1": n(bottom), "x2": n(xp), "y2": n(bottom + 4), "class": "tick"]))
            if rotatedXLabels {
                let label = Self.fit(t.label, width: 150, size: 11)
                g.append(.el("text", ["x": n(xp), "y": n(bottom + 14), "class": "tick-label", "text-anchor": "end",
                                      "transform": "rotate(-30 \(n(xp)) \(n(bottom + 14)))"], text: label))
            } else {
                g.append(.el("text", ["x": n(xp), "y": n(bottom + 16), "class": "tick-label", "text-anchor": "middle"],
                             text: t.label))
            }
        }
        for t in y.scale.ticks {
            let yp = py(t.value)
            if !isBandY { g.append(.el("line", ["x1": n(f.left), "y1": n(yp), "x2": n(right), "y2": n(yp), "class": "grid"])) }
            g.append(.el("line", ["x1": n(f.left - 4), "y1": n(yp), "x2": n(f.left), "y2": n(yp), "class": "tick"]))
            g.append(.el("text", ["x": n(f.left - 7), "y": n(yp + 4), "class": "tick-label", "text-anchor": "end"],
                         text: Self.fit(t.label, width: 266, size: 11)))
        }
        g.append(.el("line", ["x1": n(f.left), "y1": n(bottom), "x2": n(right), "y2": n(bottom), "class": "axis"]))
        g.append(.el("line", ["x1": n(f.left), "y1": n(f.top), "x2": n(f.left), "y2": n(bottom), "class": "axis"]))
        g.append(.el("text", ["x": n(f.left + f.width / 2), "y": n(height - 6), "class": "axis-label", "text-anchor": "middle"],
                     text: x.label))
        if isBandY {
            // Category names are their own labels; the axis name heads their column.
                g.append(.el("text", ["x": "0", "y": n(f.top - 8), "class": "axis-label"], text: y.label))
        } else {
            let yMid = f.top + f.height / 2
            g.append(.el("text", ["x": "14", "y": n(yMid), "class": "axis-label", "text-anchor": "middle",
                                  "transform": "rotate(-90 14 \(n(yMid)))"], text: y.label))
        }
        return .el("g", ["class": "axes"], g)
    }

    private func titled(_ title: String?) -> [Markup] { title.map { [.el("title", text: $0)] } ?? [] }

    private func symbolMarkup(_ s: Mark.Symbol, cx: Double, cy: Double, r: Double, fill: String, title: String?) -> Markup {
        let t = titled(title)
        switch s {
        case .circle:
            return .el("circle", ["cx": n(cx), "cy": n(cy), "r": n(r), "fill": fill, "class": "mark"], t)
        case .square:
            return .el("rect", ["x": n(cx - r), "y": n(cy - r), "width": n(2 * r), "height": n(2 * r), "fill": fill,
                                "class": "mark"], t)
        case .diamond:
            let d = "M\(n(cx)) \(n(cy - r * 1.3))L\(n(cx + r * 1.3)) \(n(cy))L\(n(cx)) \(n(cy + r * 1.3))L\(n(cx - r * 1.3)) \(n(cy))Z"
            return .el("path", ["d": d, "fill": fill, "class": "mark"], t)
        case .cross:
            let d = "M\(n(cx - r)) \(n(cy - r))L\(n(cx + r)) \(n(cy + r))M\(n(cx - r)) \(n(cy + r))L\(n(cx + r)) \(n(cy - r))"
            return .el("path", ["d": d, "stroke": fill, "stroke-width": "2", "fill": "none", "class": "mark"], t)
        }
    }

    private func draw(_ mark: Mark, _ f: Frame, px: (Double) -> Double, py: (Double) -> Double) -> [Markup] {
        switch mark {
        case let .rect(xr, yr, fill, opacity, title):
            guard x.scale.accepts(xr.lowerBound), x.scale.accepts(xr.upperBound),
                  y.scale.accepts(yr.lowerBound), y.scale.accepts(yr.upperBound) else { return [] }
            let x0 = px(xr.lowerBound), x1 = px(xr.upperBound), y0 = py(yr.upperBound), y1 = py(yr.lowerBound)
            return [.el("rect", attrs: [("x", n(Swift.min(x0, x1))), ("y", n(Swift.min(y0, y1))),
                                        ("width", n(Swift.max(abs(x1 - x0), 0.5))), ("height", n(Swift.max(abs(y1 - y0), 0.5))),
                                        ("fill", fill), ("fill-opacity", opacity < 1 ? n(opacity * 100) + "%" : nil),
                                        ("class", "mark")], titled(title))]
        case let .line(points, stroke, width, dashed, title):
            let ok = points.filter { x.scale.accepts($0.x) && y.scale.accepts($0.y) }
            guard ok.count >= 2 else { return [] }
            let d = ok.map { "\(n(px($0.x))),\(n(py($0.y)))" }.joined(separator: " ")
            return [.el("polyline", attrs: [("points", d), ("fill", "none"), ("stroke", stroke), ("stroke-width", n(width)),
                                            ("stroke-dasharray", dashed ? "6 4" : nil), ("class", "mark")], titled(title))]
        case let .points(points, fill, symbol, radius):
            return points.filter { x.scale.accepts($0.x) && y.scale.accepts($0.y) }.map {
                symbolMarkup(symbol, cx: px($0.x), cy: py($0.y), r: radius, fill: fill, title: $0.title)
            }
        case let .errorBar(at, low, high, horizontal, stroke, title):
            if horizontal {
                guard y.scale.accepts(at), x.scale.accepts(low), x.scale.accepts(high) else { return [] }
                let yp = py(at), a = px(low), b = px(high)
                let d = "M\(n(a)) \(n(yp))H\(n(b))M\(n(a)) \(n(yp - 4))V\(n(yp + 4))M\(n(b)) \(n(yp - 4))V\(n(yp + 4))"
                return [.el("path", ["d": d, "stroke": stroke, "stroke-width": "1.5", "fill": "none", "class": "mark"], titled(title))]
            }
            guard x.scale.accepts(at), y.scale.accepts(low), y.scale.accepts(high) else { return [] }
            let xp = px(at), a = py(low), b = py(high)
            let d = "M\(n(xp)) \(n(a))V\(n(b))M\(n(xp - 4)) \(n(a))H\(n(xp + 4))M\(n(xp - 4)) \(n(b))H\(n(xp + 4))"
            return [.el("path", ["d": d, "stroke": stroke, "stroke-width": "1.5", "fill": "none", "class": "mark"], titled(title))]
        case let .label(lx, ly, text, anchor, dx, dy, color, bold):
            guard x.scale.accepts(lx), y.scale.accepts(ly) else { return [] }
            return [.el("text", attrs: [("x", n(px(lx) + dx)), ("y", n(py(ly) + dy)), ("text-anchor", anchor.rawValue),
                                        ("fill", color), ("class", bold ? "mark-label strong" : "mark-label")], [.text(text)])]
        case .pointLabel:
            return []  // placed together, after every other mark: see placeLabels
        case let .rule(value, vertical, stroke, dashed, label):
            let scale = vertical ? x.scale : y.scale
            guard scale.accepts(value) else { return [] }
            let frac = scale.fraction(value)
            guard frac >= -0.001 && frac <= 1.001 else { return [] }
            var out: [Markup] = []
            if vertical {
                let xp = px(value)
                out.append(.el("line", attrs: [("x1", n(xp)), ("y1", n(f.top)), ("x2", n(xp)), ("y2", n(f.top + f.height)),
                                               ("stroke", stroke), ("stroke-width", "1.5"),
                                               ("stroke-dasharray", dashed ? "5 4" : nil), ("class", "mark")]))
                if let label {
                    out.append(.el("text", ["x": n(xp + 4), "y": n(f.top + 12), "fill": stroke, "class": "mark-label"], text: label))
                }
            } else {
                let yp = py(value)
                out.append(.el("line", attrs: [("x1", n(f.left)), ("y1", n(yp)), ("x2", n(f.left + f.width)), ("y2", n(yp)),
                                               ("stroke", stroke), ("stroke-width", "1.5"),
                                               ("stroke-dasharray", dashed ? "5 4" : nil), ("class", "mark")]))
                if let label {
                    out.append(.el("text", ["x": n(f.left + f.width - 4), "y": n(yp - 4), "fill": stroke, "text-anchor": "end",
                                            "class": "mark-label"], text: label))
                }
            }
            return out
        }
    }

    /// Point labels placed greedily so that none overlaps another, a point, or the plot's edge.
    private func placeLabels(_ f: Frame, px: (Double) -> Double, py: (Double) -> Double) -> [Markup] {
        struct Box { var x0, y0, x1, y1: Double
            func hits(_ o: Box) -> Bool { x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1 }
        }
        var taken: [Box] = []
        for m in marks {
            if case let .points(ps, _, _, r) = m {
                for p in ps where x.scale.accepts(p.x) && y.scale.accepts(p.y) {
                    taken.append(Box(x0: px(p.x) - r, y0: py(p.y) - r, x1: px(p.x) + r, y1: py(p.y) + r))
                }
            }
        }
        var out: [Markup] = []
        for m in marks {
            guard case let .pointLabel(lx, ly, text) = m, x.scale.accepts(lx), y.scale.accepts(ly) else { continue }
            let cx = px(lx), cy = py(ly)
            let w = Self.textWidth(text, size: 11), h = 12.0
            // (dx, dy, anchored at the end?) candidates around the point.
            var candidates: [(Double, Double, Bool)] = []
            for step in [1.0, 2.0, 3.0] {
                let d = 7 * step
                candidates += [(d, -d, false), (-d, -d, true), (d, d + 6, false), (-d, d + 6, true), (d, 4, false), (-d, 4, true)]
            }
            var chosen: (Double, Double, Bool, Box)?
            for (dx, dy, end) in candidates {
                let x0 = end ? cx + dx - w : cx + dx
                let b = Box(x0: x0, y0: cy + dy - h + 2, x1: x0 + w, y1: cy + dy + 2)
                let inside = b.x0 >= f.left && b.x1 <= f.left + f.width && b.y0 >= f.top && b.y1 <= f.top + f.height
                if inside && !taken.contains(where: { $0.hits(b) }) { chosen = (dx, dy, end, b); break }
            }
            let (dx, dy, end, box) = chosen ?? {
                let end = cx + 7 + w > f.left + f.width
                let x0 = end ? cx - 7 - w : cx + 7
                return (end ? -7 : 7, -7, end, Box(x0: x0, y0: cy - 17, x1: x0 + w, y1: cy - 5))
            }()
            taken.append(box)
            out.append(.el("text", ["x": n(cx + dx), "y": n(cy + dy), "text-anchor": end ? "end" : "start", "fill": "#222",
                                    "class": "mark-label"], text: text))
        }
        return out
    }
}
