// A client that tries to stop its server from serving anyone else. It holds
// send and grant on the server's endpoint (slot 0) and starts above the
// server's priority, so its first call queues before the server first
// receives. That call carries a capability, and the server (kvserver) names no
// slot for one: the kernel turns the jammer away with noSlotNamed (-16) and the
// server goes on to its other clients (IPCCore.swift). A server that was
// refused instead would fail every receive from then on. Then it calls once
// more without the capability and must be served.

let server: UInt = 0

func taskMain(_ unused0: UInt, _ unused1: UInt) {
    let (refused, _) = Sys.call(server, KV.ping, 41, carry: Int(server))
    var l = Line("jammer: a call carrying a capability the server takes none of -> "); l.signed(refused); l.print()
    let (status, reply) = Sys.call(server, KV.ping, 41)
    var m = Line("jammer: a plain call afterwards -> "); m.signed(status); m.add(", answer "); m.number(UInt64(reply.word0)); m.print()
    Sys.exit(refused == -16 && status == 0 && reply.word0 == 42 ? 0 : 1)
}
