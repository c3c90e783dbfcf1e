// Probe: placeholder so the target builds before its code lands; remove once the target has real sources.
enum _ProbePlaceholder {}
