import Kernels

/// The valid points of a search space seen as a grid: each point's coordinates are the indices of its
/// values in the parameters' declared value lists. Local-search strategies move on this grid and repair
/// moves that break a constraint to the nearest valid point.
struct ParameterGrid: Sendable {
    private let names: [String]
    private let values: [[Int]]
    private let coords: [[Int]]
    private let indexOfPoint: [ParameterSet: Int]
    private let indexOfCoords: [[Int]: Int]
    /// For parameter j and value index v: the points having that value (repair searches only these).
    private let pointsWith: [[[Int]]]

    init(space: SearchSpace, points: [ParameterSet]) {
        names = space.parameters.map(\.name)
        values = space.parameters.map(\.values)
        let names = self.names, values = self.values
        coords = points.map { p in
            names.indices.map { j in Self.closestIndex(of: p[names[j]] ?? 0, in: values[j]) }
        }
        var index: [ParameterSet: Int] = [:]
        for (i, p) in points.enumerated() { index[p] = i }
        indexOfPoint = index
        var byCoords: [[Int]: Int] = [:]
        var with = values.map { [[Int]](repeating: [], count: $0.count) }
        for (i, c) in coords.enumerated() {
            if byCoords[c] == nil { byCoords[c] = i }
            for j in c.indices { with[j][c[j]].append(i) }
        }
        indexOfCoords = byCoords
        pointsWith = with
    }

    func index(of p: ParameterSet) -> Int? { indexOfPoint[p] }

    /// The valid point closest to `p` (grid distance; `p` itself when valid), nil for an empty space.
    func nearestPoint(to p: ParameterSet) -> Int? {
        if let i = indexOfPoint[p] { return i }
        let target = names.indices.map { j in Self.closestIndex(of: p[names[j]] ?? 0, in: values[j]) }
        return nearest(to: target, fixing: [])
    }

    /// Points reached by moving one parameter up to `radius` steps, each repaired to a valid point.
    func neighbours(of i: Int, radius: Int) -> [Int] {
        var out: [Int] = []
        for j in names.indices {
            for d in -radius...radius where d != 0 {
                var target = coords[i]
                target[j] += d
                guard values[j].indices.contains(target[j]) else { continue }
                if let n = nearest(to: target, fixing: [j]), n != i, !out.contains(n) { out.append(n) }
            }
        }
        return out
    }

    /// Points reached by moving two parameters one step each, repaired to valid points.
    func pairNeighbours(of i: Int) -> [Int] {
        var out: [Int] = []
        for a in names.indices {
            for b in names.indices where b > a {
                for da in [-1, 1] {
                    for db in [-1, 1] {
                        var target = coords[i]
                        target[a] += da
                        target[b] += db
                        guard values[a].indices.contains(target[a]), values[b].indices.contains(target[b]) else { continue }
                        if let n = nearest(to: target, fixing: [a, b]), n != i, !out.contains(n) { out.append(n) }
                    }
                }
            }
        }
        return out
    }

    /// The valid point with the coordinates in `fixing` equal to `target`'s and the smallest grid
    /// distance to `target` otherwise; ties go to the earlier point.
    private func nearest(to target: [Int], fixing: [Int]) -> Int? {
        if let exact = indexOfCoords[target] { return exact }
        let pool: [Int]
        if let shortest = fixing.map({ pointsWith[$0][target[$0]] }).min(by: { $0.count < $1.count }) {
            pool = shortest
        } else {
            pool = Array(coords.indices)
        }
        var best: (index: Int, distance: Int)?
        for i in pool where fixing.allSatisfy({ coords[i][$0] == target[$0] }) {
            let c = coords[i]
            var d = 0
            for j in c.indices { d += abs(c[j] - target[j]) }
            if d < (best?.distance ?? .max) { best = (i, d) }
        }
        return best?.index
    }

    private static func closestIndex(of v: Int, in list: [Int]) -> Int {
        var best = 0
        for (k, x) in list.enumerated() where abs(x - v) < abs(list[best] - v) { best = k }
        return best
    }
}
