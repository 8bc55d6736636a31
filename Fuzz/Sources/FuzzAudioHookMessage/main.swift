import FuzzDriver
import SwitchboardCore
import Audio

// AudioHook text messages (docs/audio.md): any bytes give a message or an AudioHookError with an
// `audiohook.` code; a decoded message encodes back to text that decodes to the same message.
runFuzzer { bytes in
    do throws(AudioHookError) {
        let message = try AudioHookMessage.decode(bytes)
        let again: AudioHookMessage
        do throws(AudioHookError) {
            again = try AudioHookMessage.decode(message.json)
        } catch {
            fuzzFailure("a decoded message does not decode again: \(error) from \(message.json)")
        }
        if again != message { fuzzFailure("round trip differs: \(message) vs \(again)") }
    } catch {
        if !error.code.hasPrefix("audiohook.") { fuzzFailure("untyped code \(error.code)") }
    }
}
