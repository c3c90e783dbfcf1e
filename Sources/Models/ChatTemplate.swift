/// The ChatML prompt format (`<|im_start|>role\ncontent<|im_end|>\n`), as used by SmolLM2's
/// `tokenizer.chat_template`. The template's Jinja text is not interpreted; it is recognised as ChatML
/// and its default system message (inserted when the conversation has none) is taken from it.
public struct ChatTemplate: Sendable, Equatable {
    public struct Message: Sendable, Equatable {
        public var role: String
        public var content: String
        public init(role: String, content: String) { self.role = role; self.content = content }
    }

    /// Inserted as the first message when the conversation does not start with a system message.
    public var defaultSystem: String?

    public init(defaultSystem: String?) { self.defaultSystem = defaultSystem }

    /// Recognises a ChatML Jinja template and extracts its default system message, if it has one.
    /// Returns nil when `template` is not ChatML.
    public init?(jinja template: String) {
        guard template.contains("<|im_start|>"), template.contains("<|im_end|>") else { return nil }
        let marker = "'<|im_start|>system\n"
        if let start = template.range(of: marker),
           let end = template[start.upperBound...].range(of: "<|im_end|>") {
            defaultSystem = String(template[start.upperBound..<end.lowerBound])
        } else {
            defaultSystem = nil
        }
    }

    /// The prompt text for `messages`, ending with the assistant's turn opener when `addGenerationPrompt`.
    public func render(_ messages: [Message], addGenerationPrompt: Bool = true) -> String {
        var s = ""
        if let sys = defaultSystem, messages.first?.role != "system" {
            s += "<|im_start|>system\n\(sys)<|im_end|>\n"
        }
        for m in messages { s += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        if addGenerationPrompt { s += "<|im_start|>assistant\n" }
        return s
    }
}
