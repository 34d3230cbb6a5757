import Tensor

/// Hands model parameters out by name and keeps a ledger of every name and shape asked for, so a
/// load can report every missing, mis-shaped and unexpected key at once, naming the file.
///
/// Models are built by walking their layers with a source scoped to each layer's checkpoint prefix
/// (`scoped("input_blocks").scoped("0")…`), so the model tree is the state-dict tree. A source with no
/// store only records the names and shapes (handing out placeholders): that is how random weights in the
/// official layout are made. A source with a random seed hands out random values instead (benchmarks,
/// `customnet model init-random`).
public final class ParameterSource {
    /// Every parameter a model asked for, with its shape, in the order asked.
    final class Ledger {
        var requested: [(name: String, shape: [Int])] = []
        var missing: [(name: String, shape: [Int])] = []
        var misshaped: [(name: String, expected: [Int], found: [Int])] = []
        var unreadable: [String] = []
    }

    let store: WeightStore?
    let randomSeed: UInt64?
    let prefix: String
    let ledger: Ledger

    /// A source reading from `store`.
    public convenience init(store: WeightStore) {
        self.init(store: store, randomSeed: nil, prefix: "", ledger: Ledger())
    }

    /// A source with no file that only records what a model needs: the tensors it hands out are
    /// placeholders that take no physical memory and must never be read (the model is not run).
    public convenience init() {
        self.init(store: nil, randomSeed: nil, prefix: "", ledger: Ledger())
    }

    /// A source with no file that hands out random values (see `RandomWeights`), the same for the same
    /// seed and name whatever the order of the requests.
    public convenience init(randomSeed: UInt64) {
        self.init(store: nil, randomSeed: randomSeed, prefix: "", ledger: Ledger())
    }

    private init(store: WeightStore?, randomSeed: UInt64?, prefix: String, ledger: Ledger) {
        self.store = store
        self.randomSeed = randomSeed
        self.prefix = prefix
        self.ledger = ledger
    }

    /// The source for a sub-module: names below it are prefixed with `component.`.
    public func scoped(_ component: String) -> ParameterSource {
        ParameterSource(store: store, randomSeed: randomSeed, prefix: prefix + component + ".", ledger: ledger)
    }

    /// The source for the `index`-th element of a module list.
    public func scoped(_ index: Int) -> ParameterSource { scoped(String(index)) }

    /// The parameter `name` (below this source's prefix) with `shape`. A missing, mis-shaped or unreadable
    /// parameter is noted for `checkComplete` and replaced by zeros, so building the model goes on and
    /// every problem is found in one pass.
    public func tensor(_ name: String, shape: [Int]) -> Tensor {
        let key = prefix + name
        ledger.requested.append((key, shape))
        if let randomSeed { return RandomWeights.tensor(named: key, shape: shape, seed: randomSeed) }
        guard let store else { return Tensor(shape: shape, storage: TensorStorage(uninitialized: shape.reduce(1, *))) }
        guard let entry = store.entry(named: key) else {
            ledger.missing.append((key, shape))
            return Tensor(zeros: shape)
        }
        guard entry.shape == shape else {
            ledger.misshaped.append((key, shape, entry.shape))
            return Tensor(zeros: shape)
        }
        do {
            return try store.tensor(key)
        } catch {
            ledger.unreadable.append(error.problem)
            return Tensor(zeros: shape)
        }
    }

    /// Every name and shape asked for so far, in order.
    public var requested: [(name: String, shape: [Int])] { ledger.requested }

    /// Throws one error listing every missing, mis-shaped or unreadable parameter, and every key in the
    /// file that starts with one of `ownedPrefixes` but was not asked for (keys in `ignoredKeys` are
    /// allowed to be left over).
    public func checkComplete(ownedPrefixes: [String], ignoredKeys: Set<String> = []) throws(WeightFileError) {
        guard let store else { return }
        let asked = Set(ledger.requested.map(\.name))
        let unexpected = store.names.filter { name in
            !asked.contains(name) && !ignoredKeys.contains(name) && ownedPrefixes.contains { name.hasPrefix($0) }
        }
        var problems: [String] = []
        if ledger.missing.count > 20 {
            // A whole part absent (a UNet-only file, another model): one line per part, not hundreds of keys.
            let parts = Dictionary(grouping: ledger.missing, by: { Self.part(of: $0.name) })
            problems += parts.keys.sorted().map { part in
                "missing \(parts[part]!.count) keys under \(part) (first: \(parts[part]![0].name), expected \(parts[part]![0].shape))"
            }
        } else {
            problems += ledger.missing.map { "missing \($0.name) (expected \($0.shape))" }
        }
        problems += ledger.misshaped.map { "\($0.name): expected \($0.expected), found \($0.found)" }
        problems += ledger.unreadable
        problems += unexpected.map { "unexpected \($0)" }
        guard problems.isEmpty else {
            let total = ledger.missing.count + ledger.misshaped.count + ledger.unreadable.count + unexpected.count
            let shown = problems.prefix(40).joined(separator: "; ")
            let more = problems.count > 40 ? "; and \(problems.count - 40) more" : ""
            throw WeightFileError(path: store.path, problem: "\(total) problem\(total == 1 ? "" : "s"): \(shown)\(more)")
        }
    }

    /// The part of the model a key belongs to: at most its first two components, never the parameter's
    /// own name (`first_stage_model.encoder.*`, `cc_projection.*`).
    static func part(of key: String) -> String {
        key.split(separator: ".").dropLast().prefix(2).joined(separator: ".") + ".*"
    }
}
