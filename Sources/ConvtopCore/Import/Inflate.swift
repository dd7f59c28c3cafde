import CZlib

/// gzip decoding through the system's zlib, with the output capped so a small hostile file cannot exhaust memory.
enum Inflate {
    /// Not gzip data, truncated, or a member whose CRC-32 or size does not match.
    struct Corrupt: Error {}
    /// The data inflates to more than `maximumOutput` bytes.
    struct TooLarge: Error {}

    /// The most a file may inflate to (a 256 MiB trace or model is far beyond any real one).
    static let maximumOutput = 256 << 20

    /// Decompresses a gzip file: every member, concatenated (as `gzip -d` does).
    static func gunzip(_ data: [UInt8], limit: Int = maximumOutput) throws -> [UInt8] {
        guard !data.isEmpty else { return [] }
        var stream = z_stream()
        guard ct_inflate_init_gzip(&stream) == Z_OK else { throw Corrupt() }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = data
        return try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { c -> Int32 in
                    stream.next_out = c.baseAddress
                    stream.avail_out = uInt(c.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard out.count + produced <= limit else { throw TooLarge() }
                out.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Another member may follow; anything else after the trailer is corrupt.
                    guard stream.avail_in > 0 else { return out }
                    guard inflateReset(&stream) == Z_OK else { throw Corrupt() }
                case Z_OK:
                    // No progress with input exhausted: the data is truncated.
                    if produced == 0 && stream.avail_in == 0 { throw Corrupt() }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw Corrupt()
                default:
                    throw Corrupt()
                }
            }
        }
    }
}
