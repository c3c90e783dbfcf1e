import ArgumentParser
import Foundation
import Models

/// `ktune tokenize`: the token ids of a text under a GGUF model's tokenizer.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of TEXT under the model's tokenizer (byte-level BPE from GGUF metadata).")

    @Option(name: .long, help: "GGUF model file.")
    var model: String = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Flag(name: .long, help: "Print JSON: {\"ids\": [...], \"tokens\": [...]}.")
    var json = false

    @Flag(name: .long, help: "Treat control-token texts such as <|im_start|> as plain text.")
    var noSpecial = false

    @Argument(help: "The text to tokenize.")
    var text: String

    func run() throws {
        let file: GGUFFile
        let tokenizer: Tokenizer
        do {
            file = try GGUFFile(path: model)
            tokenizer = try Tokenizer(gguf: file)
        } catch {
            throw InferenceCommandError("\(error)")
        }
        let ids = tokenizer.encode(text, parseSpecial: !noSpecial)
        if json {
            struct Output: Encodable { var ids: [Int32]; var tokens: [String] }
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try enc.encode(Output(ids: ids, tokens: ids.map { tokenizer.tokens[Int($0)] }))
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(ids.map(String.init).joined(separator: " "))
        }
    }
}
