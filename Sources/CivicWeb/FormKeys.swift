import CivicAccess
import CivicAPI
import CivicCore
import Crypto
import Synchronization

/// The keys that sign the anti-forgery tokens of the pages' forms, kept in the access store so that every
/// server of a deployment signs and checks with the same ones: a form one server rendered may be posted
/// to any other. The newest key signs; every key not retired verifies, so `civic shared-key rotate` adds a
/// key that signs from the next reload on while forms already rendered still post.
///
/// The keys are read again at most every `reloadSeconds`, and sooner when a posted token matches none of
/// the keys held here (another server may have added one); a failed read keeps the keys held.
final class FormKeys: Sendable {
    private let access: any AccessStore
    private let now: @Sendable () -> UnixTime
    private let state: Mutex<State>

    private struct State {
        var keys: [SharedKey]
        var loadedAt: UnixTime
    }

    /// How long a server signs with a key after another was added or the key retired elsewhere.
    static let reloadSeconds: UnixTime = 60
    /// The least time between two reloads that a token matching no key asks for.
    static let forcedReloadSeconds: UnixTime = 1

    /// Reads the keys; makes the first one if the store has none (two servers starting at once may each
    /// make one: both then verify, and the newer signs).
    init(access: any AccessStore, now: @escaping @Sendable () -> UnixTime) async throws {
        self.access = access
        self.now = now
        let keys = try await FormKeys.load(access, now: now())
        state = Mutex(State(keys: keys, loadedAt: now()))
    }

    private static func load(_ access: any AccessStore, now: UnixTime) async throws -> [SharedKey] {
        let keys = try await access.sharedKeys(.form)
        if !keys.isEmpty { return keys }
        _ = try await access.insert(newKey(now: now))
        let made = try await access.sharedKeys(.form)
        guard !made.isEmpty else { throw CivicError(.storage, "the access store kept no form key") }
        return made
    }

    /// A fresh random key for forms.
    static func newKey(now: UnixTime) -> SharedKey {
        SharedKey(id: SharedKey.ID("form-\(now)-\(TokenSecret.random(8))"), purpose: .form,
                  secret: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }, createdAt: now)
    }

    /// The keys, newest first: those held, or read again if they are older than `reloadSeconds` (or older than
    /// `forcedReloadSeconds` when `fresh`).
    func keys(fresh: Bool = false) async -> [SharedKey] {
        let time = now()
        let held = state.withLock { $0 }
        let age = time - held.loadedAt
        guard age >= (fresh ? FormKeys.forcedReloadSeconds : FormKeys.reloadSeconds) || age < 0 else { return held.keys }
        guard let keys = try? await FormKeys.load(access, now: time) else { return held.keys }
        state.withLock { $0 = State(keys: keys, loadedAt: time) }
        return keys
    }
}
