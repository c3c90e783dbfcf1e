import Kernels
import Measure
import Models

/// A loaded model ready to generate: GGUF file, tokenizer, FP32 weights, kernel runner and transformer.
/// The entry point the CLI and tests use.
public final class Engine {
    public let tokenizer: Tokenizer
    public let transformer: Transformer
    public let generator: Generator
    public let plan: KernelPlan
    /// ChatML template from the file (nil if the file has none that is ChatML).
    public let chatTemplate: ChatTemplate?
    /// Seconds spent loading and dequantizing.
    public let loadSeconds: Double

    /// Loads the GGUF model at `path`; `contextLength` positions of KV cache. `residency`: how the file's
    /// bytes are held (default: copied into huge pages where the machine allows, see `GGUFResidency`).
    public init(modelPath path: String, plan: KernelPlan, pool: WorkerPool, contextLength: Int = 2048,
                residency: GGUFResidency = .hugePages) throws(InferenceError) {
        let t0 = MonotonicClock.nanoseconds()
        let file: GGUFFile
        do {
            file = try GGUFFile(path: path, residency: residency)
            tokenizer = try Tokenizer(gguf: file)
        } catch { throw .model(error) }
        // A context longer than the model was trained for is refused before anything large is allocated.
        if let arch = file["general.architecture"]?.stringValue, let trained = file["\(arch).context_length"]?.intValue,
           contextLength > trained {
            throw .contextTooLong(requested: contextLength, supported: trained, file: path, field: "\(arch).context_length")
        }
        let weights = try TransformerWeights(gguf: file)
        guard weights.config.vocabSize <= tokenizer.vocabularySize else {
            throw .invalidArgument("\(path): vocab_size \(weights.config.vocabSize) exceeds the tokenizer's \(tokenizer.vocabularySize) tokens")
        }
        self.plan = plan
        transformer = try Transformer(weights: weights, runner: KernelRunner(pool: pool, plan: plan),
                                      contextLength: contextLength)
        generator = Generator(transformer: transformer, tokenizer: tokenizer)
        chatTemplate = tokenizer.chatTemplate.flatMap { ChatTemplate(jinja: $0) }
        loadSeconds = Double(MonotonicClock.nanoseconds() &- t0) * 1e-9
    }

    /// A SYNTHETIC model: `config`'s architecture with random weights from `seed`, and `tokenizer` (from
    /// a real GGUF file) for text in and out. Its vocabulary must not exceed the tokenizer's.
    public init(synthetic config: ModelConfig, seed: UInt64, tokenizer: Tokenizer, plan: KernelPlan, pool: WorkerPool,
                contextLength: Int = 2048) throws(InferenceError) {
        let t0 = MonotonicClock.nanoseconds()
        guard config.vocabSize <= tokenizer.vocabularySize else {
            throw .invalidArgument("\(config.id): vocab_size \(config.vocabSize) exceeds the tokenizer's \(tokenizer.vocabularySize) tokens")
        }
        let weights = try TransformerWeights.synthetic(config, seed: seed)
        self.tokenizer = tokenizer
        self.plan = plan
        transformer = try Transformer(weights: weights, runner: KernelRunner(pool: pool, plan: plan), contextLength: contextLength)
        generator = Generator(transformer: transformer, tokenizer: tokenizer)
        chatTemplate = tokenizer.chatTemplate.flatMap { ChatTemplate(jinja: $0) }
        loadSeconds = Double(MonotonicClock.nanoseconds() &- t0) * 1e-9
    }

    /// The prompt's token ids: plain text, or a one-turn ChatML conversation when `chat`.
    public func promptTokens(_ text: String, chat: Bool) -> [Int32] {
        if chat {
            let template = chatTemplate ?? ChatTemplate(defaultSystem: nil)
            return tokenizer.encode(template.render([.init(role: "user", content: text)]))
        }
        return (tokenizer.addBOS ? [tokenizer.bos] : []) + tokenizer.encode(text)
    }

    /// Workloads of this model for a prompt of `promptTokens` and a decode at `context` (for the plan summary).
    public func workloads(promptTokens: Int, context: Int) -> [KernelWorkload] {
        let c = transformer.weights.config
        return OpGraph.cpuWorkloads(model: c, phase: .prefill(tokens: promptTokens, past: 0))
            + OpGraph.cpuWorkloads(model: c, phase: .decode(batch: 1, context: context))
    }
}
