/// The ChatML prompt format (`<|im_start|>role\ncontent<|im_end|>\n`), as used by SmolLM2's and Qwen2's
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
        // The default is the first literal `'<|im_start|>system\n…<|im_end|>` whose text is plain (no quote:
        // not an opener followed by an expression, like Qwen2's `'<|im_start|>system\n' + messages[0]…`).
        // The newline is a real one (SmolLM2) or the escape `\n` inside the Jinja string literal (Qwen2).
        var found: String? = nil
        for marker in ["'<|im_start|>system\n", "'<|im_start|>system\\n"] {
            var rest = template[...]
            while found == nil, let start = rest.range(of: marker) {
                if let end = rest[start.upperBound...].range(of: "<|im_end|>") {
                    let text = rest[start.upperBound..<end.lowerBound]
                    if !text.contains("'") && !text.contains("\"") && !text.contains("\\") { found = String(text) }
                }
                rest = rest[start.upperBound...]
            }
            if found != nil { break }
        }
        defaultSystem = found
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
