import CivicAccess
import CivicAPITesting
import CivicWeb
import Hummingbird
import HummingbirdTesting
import Testing

/// The pages' anti-forgery key lives in the access store, so servers sharing the store share it, and it rotates.
@Suite struct SharedFormKeyTests {
    func signIn(_ browser: Browser, csrf: String, _ world: WebWorld) async throws -> Bool {
        let response = try await browser.post("/login", [("username", "demo-reviewer"), ("password", world.world.passwords["demo-reviewer"]!)], csrf: csrf)
        return response.status != .forbidden && browser.cookies["civic_session"] != nil
    }

    /// A form one server rendered posts to another; after a rotation the new key signs while forms signed with the
    /// previous key still post; once the previous key is retired, its forms are refused and new ones post.
    @Test func formsPostToAnyServerAndTheKeyRotates() async throws {
        let world = try await WebWorld.make()
        let other = try await WebServices(api: world.world.services, configuration: WebConfiguration(publicURL: WebWorld.publicURL))
        try await world.application().test(.router) { first in
            try await world.world.application(additionalRoutes: other.register(on:)).test(.router) { second in
                func browser(from rendering: Browser, on client: any TestClientProtocol) -> Browser {
                    let moved = Browser(client)
                    moved.cookies = rendering.cookies
                    return moved
                }
                let rendering = Browser(first)
                let token = try await rendering.formToken("/login")
                #expect(try await signIn(browser(from: rendering, on: second), csrf: token, world), "a form from the first server did not post to the second")

                let keys = try await world.world.access.sharedKeys(.form)
                #expect(keys.count == 1)
                let early = Browser(first), stale = Browser(first)
                let earlyToken = try await early.formToken("/login")
                let staleToken = try await stale.formToken("/login")

                let rotated = SharedKey(id: "form-rotated", purpose: .form, secret: Array(repeating: 7, count: 32), createdAt: world.world.clock.now() + 1)
                #expect(try await world.world.access.insert(rotated))
                world.world.clock.advance(61)
                #expect(try await signIn(browser(from: early, on: second), csrf: earlyToken, world), "a form signed before the rotation was refused")

                #expect(try await world.world.access.retireSharedKey(keys[0].id, at: world.world.clock.now()))
                world.world.clock.advance(61)
                #expect(try await !signIn(browser(from: stale, on: second), csrf: staleToken, world), "a form signed with a retired key posted")
                let fresh = Browser(second)
                let freshToken = try await fresh.formToken("/login")
                #expect(try await signIn(browser(from: fresh, on: first), csrf: freshToken, world), "a form signed with the new key was refused")
            }
        }
    }
}
