// The SBI's error codes (the RISC-V SBI specification, "Standard SBI Errors"):
// negative values in a0, named for reports. Pure, so the host tests check it.

enum SBIError {
    /// The name of SBI error `code` (0 is success), or nil for a code the specification does not define.
    static func name(_ code: Int64) -> StaticString? {
        switch code {
        case 0: "success"
        case -1: "failed"
        case -2: "not supported"
        case -3: "invalid parameter"
        case -4: "denied"
        case -5: "invalid address"
        case -6: "already available"
        case -7: "already started"
        case -8: "already stopped"
        case -9: "no shared memory"
        case -10: "invalid state"
        case -11: "bad range"
        case -12: "timeout"
        case -13: "input or output error"
        default: nil
        }
    }
}
