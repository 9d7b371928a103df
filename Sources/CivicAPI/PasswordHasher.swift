import Crypto
import Foundation
import HummingbirdBcrypt
import NIOCore
import NIOPosix
import Synchronization

/// Runs bcrypt, bounded: a few at a time on threads of its own, a short queue behind them, and a
/// cap per address on what runs or waits. Past either bound a sign-in is answered 429 at once, so
/// a flood of anonymous sign-ins neither queues without end nor takes the threads the rest of the
/// server (the eligibility checks among it) runs on.
public final class PasswordHasher: Sendable {
    /// bcrypt's own threads: half the cores, at least one. Shared by every hasher in the process, so
    /// a test run that builds many servers does not start threads for each; each hasher still holds
    /// its own bounds.
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount / 2))
        pool.start()
        return pool
    }()

    struct State {
        var running = 0
        var waiting: [(address: String, continuation: CheckedContinuation<Bool, Never>)] = []
        /// Running and waiting, per address.
        var perAddress: [String: Int] = [:]
    }

    private let state = Mutex(State())
    let concurrencyMax: Int
    let queueMax: Int
    let perAddressMax: Int
    /// Passwords checked against an account's hash, and checks against the decoy hash (for unknown
    /// accounts and throttled attempts): every refused sign-in costs one of the two.
    private let checks = Atomic<Int>(0)
    private let decoyChecks = Atomic<Int>(0)
    package var checkCount: Int { checks.load(ordering: .relaxed) }
    package var decoyCheckCount: Int { decoyChecks.load(ordering: .relaxed) }

    package init(concurrencyMax: Int, queueMax: Int, perAddressMax: Int) {
        precondition(concurrencyMax >= 1 && queueMax >= 0 && perAddressMax >= 1)
        self.concurrencyMax = concurrencyMax
        self.queueMax = queueMax
        self.perAddressMax = perAddressMax
    }

    /// Runs `body` holding a place among the hashers; released when it returns or throws.
    package func withPlace<T: Sendable>(address: String, _ body: () async throws -> T) async throws -> T {
        try await acquire(address: address)
        defer { release(address) }
        return try await body()
    }

    /// Waits for a place, or throws 429 when the address or the whole queue is at its bound. The
    /// decision and the place in the queue are taken under one lock, so a release cannot slip between them.
    private func acquire(address: String) async throws {
        enum Outcome { case run, wait, busy }
        let busy: Bool = await withCheckedContinuation { continuation in
            let outcome: Outcome = state.withLock { state in
                if state.perAddress[address, default: 0] >= perAddressMax { return .busy }
                if state.running < concurrencyMax {
                    state.running += 1
                    state.perAddress[address, default: 0] += 1
                    return .run
                }
                if state.waiting.count >= queueMax { return .busy }
                state.perAddress[address, default: 0] += 1
                state.waiting.append((address, continuation))
                return .wait
            }
            switch outcome {
            case .run: continuation.resume(returning: false)
            case .busy: continuation.resume(returning: true)
            case .wait: break  // resumed by a release
            }
        }
        if busy {
            throw APIError(.tooManyRequests, "too many sign-ins are being checked; retry after 1 s", headers: ["Retry-After": "1"])
        }
    }

    private func release(_ address: String) {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { state in
            if let count = state.perAddress[address] { state.perAddress[address] = count > 1 ? count - 1 : nil }
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            // The place passes straight to the next in line: `running` stays the same.
            return state.waiting.removeFirst().continuation
        }
        next?.resume(returning: false)
    }

    /// Checks a password against a bcrypt hash on the hashing threads.
    func verify(_ password: String, hash: String, decoy: Bool = false) async -> Bool {
        if decoy { decoyChecks.add(1, ordering: .relaxed) } else { checks.add(1, ordering: .relaxed) }
        return (try? await Self.pool.runIfActive { Bcrypt.verify(Self.bcryptInput(password), hash: hash) }) ?? false
    }

    /// Hashes a new password on the hashing threads (accounts made by an administrator, not anonymous
    /// callers, so no permit).
    static func hash(_ password: String, cost: UInt8) async throws -> String {
        try await pool.runIfActive { Bcrypt.hash(bcryptInput(password), cost: cost) }
    }

    /// What bcrypt is given for a password. bcrypt reads at most 72 bytes, so a longer password
    /// (64 Chinese characters are 192 bytes) would be cut short, and two passwords that share their
    /// first 72 bytes would be one: past 72 bytes the password's SHA-256, in base64 with a prefix
    /// (no NUL, 51 bytes), stands in for it. Passwords of 72 bytes or fewer are given as they are, so
    /// every hash made before stays valid.
    static func bcryptInput(_ password: String) -> String {
        guard password.utf8.count > 72 else { return password }
        return "sha256:" + Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }
}
