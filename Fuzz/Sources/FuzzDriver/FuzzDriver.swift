#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The libFuzzer entry: each Fuzz<Name> target's `main.swift` calls ``runFuzzer(_:)`` with its check.
///
/// SwiftPM renames an executable target's `main` (so tests can link it), which hides a harness that only
/// exports `LLVMFuzzerTestOneInput` from libFuzzer's own `main`. So the target keeps its `main` and
/// hands control to libFuzzer's `LLVMFuzzerRunDriver`, which parses the usual flags (`-max_total_time=`,
/// corpus directories, `-runs=`, a crashing input to replay) and calls the check once per input.
/// `LLVMFuzzerTestOneInput` is exported too, for runners that bring their own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

nonisolated(unsafe) private var check: (([UInt8]) -> Void)?

/// One input, as libFuzzer calls it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    check?(bytes)
    return 0
}

/// Runs libFuzzer with this process's arguments, calling `body` once per input; never returns. `body`
/// returns normally for every input the parser handled (accepted or refused with a typed error) and
/// traps (``fuzzFailure(_:)``) when an invariant breaks.
public func runFuzzer(_ body: @escaping ([UInt8]) -> Void) -> Never {
    check = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzTestOneInput(data, size) })
}

/// A broken invariant: prints why (libFuzzer then saves the input) and traps.
public func fuzzFailure(_ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("fuzz invariant broken: \(message())", file: file, line: line)
}

/// Runs an async check to completion from libFuzzer's synchronous callback.
public func fuzzBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = FuzzResultBox<T>()
    let done = FuzzSemaphore()
    Task.detached {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

final class FuzzResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// A POSIX semaphore (Dispatch is not needed for this one use).
final class FuzzSemaphore: @unchecked Sendable {
    private var sem = sem_t()
    init() { sem_init(&sem, 0, 0) }
    deinit { sem_destroy(&sem) }
    func signal() { sem_post(&sem) }
    func wait() { while sem_wait(&sem) != 0 {} }
}
