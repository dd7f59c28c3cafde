import Foundation

/// Dense convolutions whose output channels fall on either side of a tile's edge, measured on the H200 in session 20
/// after `Kernel.issuedShare` made tile kernels pay for whole output-channel tiles, as that change's check
/// (`Assets/calibration/round22/`, the "Convolutions across output-channel tile edges" table of `convtop validate`;
/// held out of the catalog). Channels out step by 8 from 40 to 264, so that a 64-wide tile's last one is full, more
/// than half full or at most half full; batches and maps the catalog's grid does not hold.
extension CatalogManifest {
    /// Channels out of the check: multiples of 8 from 40 to 264 (every one vector-aligned).
    static let tileEdgeChannels = [40, 48, 56, 64, 72, 80, 96, 112, 120, 128, 136, 144, 160, 192, 200, 224, 248, 256, 264]

    /// 1×1 and 3×3 convolutions, stride 1, from 64 or 256 channels, at batch 6 and 20 on 14×14, 28×28 and 44×44 maps:
    /// 456 points, all three passes, each after a ReLU as every sweep point.
    public mutating func addTileEdgeCheck(gpu: GPUSpec) {
        for cin in [64, 256] {
            for cout in Self.tileEdgeChannels {
                for n in [6, 20] {
                    for hw in [14, 28, 44] {
                        for k in [1, 3] {
                            addPoint([n, cin, hw, hw], gpu: gpu, source: "check") {
                                $0.conv($1, cout, k: (k, k), p: (k / 2, k / 2), name: "te")
                            }
                        }
                    }
                }
            }
        }
    }

    /// How full a `tile`-wide output-channel tile's last one is for `channels` channels out.
    public enum TileFill: String, CaseIterable, Sendable {
        case full, overHalf = "over half", upToHalf = "half or less"

        public init(channels: Int, tile: Int = 64) {
            let r = channels % tile
            self = r == 0 ? .full : (2 * r > tile ? .overHalf : .upToHalf)
        }
    }
}
