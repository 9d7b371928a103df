import CivicCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files named on the command line (handbooks, feeds, subject lists). When one cannot be read, the error
/// says why, as the operating system put it: no such file, permission denied, a directory, too large.
enum InputFile {
    static let sizeMax = 512 * 1024 * 1024

    static func read(_ path: String, sizeMax: Int = sizeMax) throws(CivicError) -> Data {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            let code = errno
            throw CivicError(code == ENOENT ? .notFound : .invalidInput, "cannot read '\(path)': \(reason(code))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw CivicError(.invalidInput, "cannot read '\(path)': \(reason(errno))") }
        if status.st_mode & S_IFMT == S_IFDIR { throw CivicError(.invalidInput, "cannot read '\(path)': it is a directory, not a file") }
        if status.st_mode & S_IFMT == S_IFREG, Int(status.st_size) > sizeMax {
            throw CivicError(.invalidInput, "cannot read '\(path)': it is larger than \(sizeMax / 1024 / 1024) MiB")
        }
        do {
            let data = try handle.readToEnd() ?? Data()
            guard data.count <= sizeMax else { throw CivicError(.invalidInput, "cannot read '\(path)': it is larger than \(sizeMax / 1024 / 1024) MiB") }
            return data
        } catch let error as CivicError {
            throw error
        } catch {
            throw CivicError(.invalidInput, "cannot read '\(path)': \(error.localizedDescription)")
        }
    }

    static func text(_ path: String) throws(CivicError) -> String {
        guard let text = String(data: try read(path), encoding: .utf8) else { throw CivicError(.invalidInput, "'\(path)' is not UTF-8 text") }
        return text
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
