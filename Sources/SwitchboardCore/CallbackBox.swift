/// A closure held by reference, for keeping a callback in a `Mutex` (or any generic container mutated in place).
///
/// Why not `Mutex<(@Sendable (X) -> Y)?>`: Swift 6.3 passes a function-typed generic value `inout` through
/// reabstraction thunks, and writes the converted value back — so every `withLock` on such a mutex, even one that
/// only reads, wraps the stored closure in two more thunks. A callback read every second then grows a chain of
/// hundreds of thousands of frames in a day: each call walks it, and the stack overflows. Measured (a `-O` build
/// calling `withLock { $0 }?()`): the call stack grew by two frames per read; with the closure in a class, not at
/// all. Tuples with a function element are affected the same way; a struct's function-typed fields are not.
public final class CallbackBox<F: Sendable>: Sendable {
    public let call: F

    public init(_ call: F) {
        self.call = call
    }
}
