public import CivicAPI
import Crypto
public import Foundation
import Mustache

/// Everything the pages share: the API's services (engine, access store, authenticator, policy),
/// the templates, the catalogs and the static files, all loaded once at start.
public struct WebServices: Sendable {
    public let api: APIServices
    /// The auditor's integrity verification, one at a time, with its last result.
    let verification = AuditVerification()
    public let configuration: WebConfiguration
    let templates: MustacheLibrary
    let catalogs: [Language: Catalog]
    let statics: StaticFiles
    /// Sign the anti-forgery tokens of forms; shared by every server through the access store.
    let formKeys: FormKeys

    public init(api: APIServices, configuration: WebConfiguration = WebConfiguration()) async throws {
        guard let root = WebResources.root else {
            throw CatalogError(file: "Resources", language: .en, detail: "the CivicWeb resource bundle is missing")
        }
        self.api = api
        self.configuration = configuration
        do {
            templates = try await MustacheLibrary(directory: root.appendingPathComponent("Templates").path)
        } catch let error as MustacheLibrary.ParserError {
            throw CatalogError(file: error.filename, language: .en,
                               detail: "template error at line \(error.context.lineNumber), column \(error.context.columnNumber): \(error.error)")
        }
        var catalogs: [Language: Catalog] = [:]
        for language in Language.allCases {
            catalogs[language] = try Catalog(language: language, directory: root.appendingPathComponent("Locales/\(language.rawValue)"))
        }
        self.catalogs = catalogs
        statics = try StaticFiles(directory: root.appendingPathComponent("Static"))
        formKeys = try await FormKeys(access: api.access, now: api.now)
    }

    public func catalog(_ language: Language) -> Catalog { catalogs[language]! }
}

/// How the pages behave where a deployment differs.
public struct WebConfiguration: Sendable {
    /// Marks cookies `Secure`: set it whenever the server is reached over HTTPS (behind a TLS proxy).
    public var secureCookies = false
    /// Rows on one page of a long table.
    public var rowsPerPage = 50
    /// The address people reach the server at (`https://credit.example.gov`), for links that leave the
    /// page, such as a certificate's QR code; without it, the address the browser used.
    public var publicURL: String?

    /// Cookies are `Secure` when asked, and whenever the public address is an https one.
    public init(secureCookies: Bool = false, publicURL: String? = nil) {
        self.secureCookies = secureCookies || publicURL?.lowercased().hasPrefix("https://") == true
        self.publicURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }
}

/// Where the templates, catalogs and static files are.
public enum WebResources {
    public static var root: URL? {
        // Foundation may already treat the copied `Resources` folder as the bundle's resource folder.
        let bundle = Bundle.module
        let candidates = [bundle.resourceURL?.appendingPathComponent("Resources"), bundle.resourceURL,
                          bundle.bundleURL.appendingPathComponent("Resources")].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("Templates").path) }
    }
}
