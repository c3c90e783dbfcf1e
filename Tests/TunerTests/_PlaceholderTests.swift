import Testing

// Placeholder until this target has real tests.
@Test func placeholderBuilds() { #expect(Bool(true)) }
