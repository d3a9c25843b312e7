import CZlib
import Foundation

/// Errors reading or writing a gzip stream; a damaged archive reads as `.corrupt`.
package enum GzipError: Error, Equatable, CustomStringConvertible {
    case corrupt(String)
    case zlib(Int32)

    package var description: String {
        switch self {
        case .corrupt(let detail): "the archive is damaged (\(detail))"
        case .zlib(let code): "zlib failed with code \(code)"
        }
    }
}

/// Compresses to a file as it goes, in 64 KiB steps, so an archive of any size needs little memory.
package final class GzipFileWriter {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let handle: FileHandle
    private var output = [UInt8](repeating: 0, count: 64 * 1024)
    private var finished = false

    package init(handle: FileHandle, level: Int32 = 6) throws {
        self.handle = handle
        stream.initialize(to: z_stream())
        let status = czlib_deflate_init_gzip(stream, level)
        // On failure zlib holds nothing; `deinit` still runs and frees the stream struct once.
        guard status == Z_OK else { throw GzipError.zlib(status) }
        started = true
    }

    private var started = false

    deinit {
        if started { deflateEnd(stream) }
        stream.deallocate()
    }

    package func write(_ bytes: some ContiguousBytes) throws {
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(buffer.count)
            try drain(flush: Z_NO_FLUSH)
        }
    }

    /// Writes the gzip trailer; the writer cannot be used after.
    package func finish() throws {
        guard !finished else { return }
        finished = true
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try drain(flush: Z_FINISH)
    }

    private func drain(flush: Int32) throws {
        while true {
            let (status, produced) = output.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let status = deflate(stream, flush)
                return (status, out.count - Int(stream.pointee.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw GzipError.zlib(status)
            }
            if produced > 0 { try handle.write(contentsOf: output[0..<produced]) }
            if flush == Z_FINISH ? status == Z_STREAM_END : stream.pointee.avail_in == 0 && produced < output.count {
                return
            }
        }
    }
}

/// Decompresses a gzip file as it is read; a truncated stream, a bad checksum or bytes after the end are errors.
package final class GzipFileReader {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let handle: FileHandle
    private var input = [UInt8]()
    private var inputOffset = 0
    private var pending = [UInt8]()
    private var pendingOffset = 0
    private var ended = false
    private var sourceExhausted = false

    package init(handle: FileHandle) throws {
        self.handle = handle
        stream.initialize(to: z_stream())
        let status = czlib_inflate_init_gzip(stream)
        // On failure zlib holds nothing; `deinit` still runs and frees the stream struct once.
        guard status == Z_OK else { throw GzipError.zlib(status) }
        started = true
    }

    private var started = false

    deinit {
        if started { inflateEnd(stream) }
        stream.deallocate()
    }

    /// Up to `count` bytes; fewer only at the end of the stream.
    package func read(_ count: Int) throws -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(count)
        while result.count < count {
            if pendingOffset < pending.count {
                let take = min(count - result.count, pending.count - pendingOffset)
                result.append(contentsOf: pending[pendingOffset..<(pendingOffset + take)])
                pendingOffset += take
                continue
            }
            guard try inflateMore() else { break }
        }
        return result
    }

    /// Inflates the next piece into `pending`; false at the end of the stream.
    private func inflateMore() throws -> Bool {
        if ended { return false }
        if inputOffset >= input.count {
            guard !sourceExhausted else { throw GzipError.corrupt("it ends too early") }
            let chunk = try handle.read(upToCount: 64 * 1024) ?? Data()
            if chunk.isEmpty {
                sourceExhausted = true
                throw GzipError.corrupt("it ends too early")
            }
            input = Array(chunk)
            inputOffset = 0
        }
        pending = [UInt8](repeating: 0, count: 128 * 1024)
        pendingOffset = 0
        let (status, consumed, produced) = input.withUnsafeMutableBufferPointer { inBuffer in
            pending.withUnsafeMutableBufferPointer { out -> (Int32, Int, Int) in
                let available = inBuffer.count - inputOffset
                stream.pointee.next_in = inBuffer.baseAddress! + inputOffset
                stream.pointee.avail_in = uInt(available)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let status = inflate(stream, Z_NO_FLUSH)
                return (status, available - Int(stream.pointee.avail_in), out.count - Int(stream.pointee.avail_out))
            }
        }
        inputOffset += consumed
        pending.removeSubrange(produced...)
        switch status {
        case Z_OK, Z_BUF_ERROR:
            return true
        case Z_STREAM_END:
            ended = true
            let more = inputOffset < input.count ? true : !((try handle.read(upToCount: 1)) ?? Data()).isEmpty
            if more { throw GzipError.corrupt("there are bytes after its end") }
            return true
        default:
            throw GzipError.corrupt(stream.pointee.msg.map { String(cString: $0) } ?? "zlib code \(status)")
        }
    }
}
