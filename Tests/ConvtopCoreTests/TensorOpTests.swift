import Foundation
import Testing
@testable import ConvtopCore

/// Every general tensor op through a graph file: its shape, its kernels (FLOPs and bytes checked by hand, fp32
/// element-wise at 4 bytes an element) and the backward ops a training step adds.
struct TensorOpTests {
    /// A graph file of one input and the given nodes, parsed.
    func load(_ input: [Int], _ nodes: String) throws -> Graph {
        let json = """
        {"format": "convtop-graph", "version": 1, "inputs": [{"name": "x", "shape": \(input)}], "nodes": [\(nodes)]}
        """
        return try GraphFile.parse(data: Data(json.utf8), file: "t.json")
    }
    func kernels(_ g: Graph, op name: String) -> [Kernel] {
        let kg = Lowering.lower(g, gpu: try! GPUCatalog.load("h100"))
        let id = g.nodes.first { $0.name == name }!.id
        return kg.opKernels[id].map { kg.kernels[$0] }
    }
    func backward(_ g: Graph, of name: String) -> [Node] {
        let t = TrainingGraph.build(from: g)
        let id = t.nodes.first { $0.name == name && $0.phase == .forward }!.id
        return t.nodes.filter { $0.forwardOf == id }
    }

    @Test func geluIsOneElementwiseKernelEachWay() throws {
        let g = try load([2, 8, 16], #"{"name": "h", "op": "tanh", "inputs": ["x"]}, {"name": "a", "op": "gelu", "inputs": ["h"]}"#)
        let k = kernels(g, op: "a")
        #expect(k.count == 1 && k[0].grid.count == 1)                 // 256 elements, 1024 per block
        let flops: Double = 256 * 12, bytes: Double = 256 * 2 * 4
        #expect(k[0].flops == flops && k[0].bytes == bytes)  // read x, write y
        let b = backward(g, of: "a")
        #expect(b.map(\.kind) == [.unaryBackward(.gelu)])
        #expect(b[0].shape.dims == [2, 8, 16])
    }

    @Test func broadcastMultiplyReducesTheSmallOperandsGradient() throws {
        let g = try load([2, 8, 4, 4], """
            {"name": "h", "op": "tanh", "inputs": ["x"]},
            {"name": "s", "op": "reduce_mean", "inputs": ["h"], "axes": [2, 3]},
            {"name": "m", "op": "mul", "inputs": ["h", "s"]}
            """)
        #expect(g.nodes.first { $0.name == "s" }!.shape.dims == [2, 8, 1, 1])
        let k = kernels(g, op: "m")
        #expect(k.count == 1 && k[0].flops == 256)
        let mulBytes = Double((256 + 256 + 16) * 4)
        #expect(k[0].bytes == mulBytes)                               // write 256, read 256 + 16
        #expect(k[0].grid.count == 1)                                 // broadcasting: 512 per block
        let b = backward(g, of: "m")
        #expect(b.map(\.kind) == [.binaryBackward(.mul), .binaryBackward(.mul)])
        #expect(b.map(\.shape.dims) == [[2, 8, 4, 4], [2, 8, 1, 1]])
        // The scale's gradient is summed down from 256 to 16 elements: an element-wise and a reduction kernel.
        let t = TrainingGraph.build(from: g)
        let kg = Lowering.lower(t, gpu: try GPUCatalog.load("h100"))
        let small = t.nodes.first { $0.forwardOf == g.nodes.first { $0.name == "m" }!.id && $0.shape.dims == [2, 8, 1, 1] }!
        #expect(kg.opKernels[small.id].map { kg.kernels[$0].name } == ["mul_backward", "sum_to_size"])
    }

    @Test func layerNormTakesOneBlockPerRow() throws {
        let g = try load([2, 197, 768], #"{"name": "n", "op": "layernorm", "inputs": ["x"]}"#)
        #expect(g.nodes.last!.parameters == 2 * 768)
        let k = kernels(g, op: "n")
        #expect(k.map(\.name) == ["vectorized_layer_norm_kernel"])
        #expect(k[0].grid.count == 394 && k[0].block.count == 128)
        let normBytes = Double(2 * 197 * 768 * 2 * 4)
        #expect(k[0].bytes == normBytes)
        let b = backward(g, of: "n")
        #expect(b.count == 1 && b[0].gradients.count == 2)             // input gradient and both parameters
    }

    @Test func matmulAndAttention() throws {
        let g = try load([2, 12, 197, 64], """
            {"name": "h", "op": "tanh", "inputs": ["x"]},
            {"name": "kt", "op": "transpose", "inputs": ["h"], "perm": [0, 1, 3, 2]},
            {"name": "qk", "op": "matmul", "inputs": ["h", "kt"]},
            {"name": "p", "op": "softmax", "inputs": ["qk"]},
            {"name": "pv", "op": "matmul", "inputs": ["p", "h"]},
            {"name": "sdpa", "op": "attention", "inputs": ["pv", "pv", "pv"]}
            """)
        let qk = g.nodes.first { $0.name == "qk" }!
        #expect(qk.shape.dims == [2, 12, 197, 197])
        let qkMacs = 24 * 197 * 197 * 64
        #expect(qk.macs == qkMacs)
        // fp32: cuBLAS's CUDA-core kernel in 32×32 tiles, whose work counts whole tiles (197 rows → 224).
        let issued = 2 * Double(24 * 224 * 197 * 64)
        #expect(kernels(g, op: "qk").first!.kernelClass == .simtGemm)
        #expect(kernels(g, op: "qk").first!.flops == issued)
        let sdpa = g.nodes.first { $0.name == "sdpa" }!
        #expect(sdpa.shape.dims == [2, 12, 197, 64] && sdpa.macs == 2 * qkMacs)
        let a = kernels(g, op: "sdpa")
        #expect(a.count == 1 && a[0].grid == Dim3(4, 12, 2) && a[0].block.count == 128)  // ⌈197/64⌉ query tiles
        let rows = 24 * 197
        #expect(kernels(g, op: "p").first!.grid.count == rows)                            // one block per row
        #expect(backward(g, of: "qk").map(\.shape.dims) == [[2, 12, 197, 64], [2, 12, 64, 197]])  // both operands
        #expect(backward(g, of: "sdpa").map(\.kind) == [.attentionBackward(AttentionShape(batch: 2, heads: 12, seqQ: 197, seqK: 197, headDim: 64))])
    }

    @Test func transposedConvolutionIsTheDataGradientOfAConvolution() throws {
        let g = try load([1, 16, 8, 8], #"{"name": "up", "op": "conv_transpose", "inputs": ["x"], "out_channels": 8, "kernel": 2}"#)
        let up = g.nodes.last!
        #expect(up.shape.dims == [1, 8, 16, 16])
        let macs = 1024 * 8 * 4, params = 16 * 8 * 4 + 8
        #expect(up.macs == macs && up.parameters == params)
        #expect(kernels(g, op: "up").reduce(0) { $0 + $1.flops } >= 2.0 * Double(up.macs))
        // The graph input needs no gradient: only the weight gradient runs (the data gradient would be a convolution).
        #expect(backward(g, of: "up").map(\.kind.name) == ["conv_transpose_wgrad"])
    }

    @Test func dataMovementShapesAndCopies() throws {
        let g = try load([2, 3, 4, 5], """
            {"name": "t", "op": "transpose", "inputs": ["x"], "perm": [0, 2, 3, 1]},
            {"name": "r", "op": "reshape", "inputs": ["t"], "shape": [-1, 60]},
            {"name": "c", "op": "slice", "inputs": ["x"], "axis": 1, "start": 1, "end": 3},
            {"name": "p", "op": "pad", "inputs": ["x"], "padding": [1, 1, 1, 1]},
            {"name": "u", "op": "resize", "inputs": ["x"], "scale": 2, "mode": "bilinear"},
            {"name": "g", "op": "groupnorm", "inputs": ["x"], "groups": 3}
            """)
        let shape = { (n: String) in g.nodes.first { $0.name == n }!.shape.dims }
        #expect(shape("t") == [2, 4, 5, 3] && shape("r") == [2, 60] && shape("c") == [2, 2, 4, 5])
        #expect(shape("p") == [2, 3, 6, 7] && shape("u") == [2, 3, 8, 10])
        let moved: Double = 2 * 120 * 4
        #expect(kernels(g, op: "t").map(\.bytes) == [moved])  // read and write every element
        #expect(kernels(g, op: "r").isEmpty && kernels(g, op: "c").isEmpty)  // a view; a channel slice is a view
        // bilinear: PyTorch's loop, a 1,024-thread block per 1,024 output pixels of a plane (8×10 here), reading the
        // input and writing the output once
        let up = try #require(kernels(g, op: "u").first)
        #expect(up.blocks == 1 && up.threadsPerBlock == 1024 && up.bytes == Double(480 + 120) * 4)
        #expect(kernels(g, op: "g").count == 3)
    }

    @Test func badTensorOpFieldsAreOneLineErrors() throws {
        for (nodes, says) in [(#"{"name": "a", "op": "mul", "inputs": ["x"]}"#, "exactly two inputs"),
                              (#"{"name": "a", "op": "transpose", "inputs": ["x"], "perm": [0, 0, 1, 2]}"#, "permutation"),
                              (#"{"name": "a", "op": "reshape", "inputs": ["x"], "shape": [7, -1]}"#, "as many elements"),
                              (#"{"name": "a", "op": "attention", "inputs": ["x", "x"]}"#, "query, key and value"),
                              (#"{"name": "a", "op": "groupnorm", "inputs": ["x"], "groups": 5}"#, "must divide")] {
            #expect { _ = try load([2, 3, 4, 5], nodes) } throws: { "\($0)".contains(says) && !"\($0)".contains("\n") }
        }
    }

    /// Every activation: one element-wise kernel forward (its arithmetic per element from UnaryOp), one backward.
    @Test(arguments: ["sigmoid", "hard_sigmoid", "hard_swish", "silu", "gelu", "tanh", "erf", "sqrt", "exp", "clamp"])
    func activation(_ op: String) throws {
        let g = try load([4, 64], #"{"name": "h", "op": "tanh", "inputs": ["x"]}, {"name": "a", "op": "\#(op)", "inputs": ["h"]}"#)
        let u = try #require(UnaryOp.byName[op])
        let k = kernels(g, op: "a")
        let flops = 256 * u.flopsPerElement, bytes: Double = 256 * 2 * 4
        #expect(k.count == 1 && k[0].flops == flops && k[0].bytes == bytes)
        #expect(backward(g, of: "a").map(\.kind) == [.unaryBackward(u)])
    }

    /// Broadcasting arithmetic: the output takes the broadcast shape; each computed operand gets a gradient (a
    /// difference passes it through where shapes match: a view, no kernel).
    @Test(arguments: ["mul", "div", "sub", "add"])
    func binary(_ op: String) throws {
        let g = try load([2, 4, 1, 8], """
            {"name": "h", "op": "tanh", "inputs": ["x"]},
            {"name": "t", "op": "transpose", "inputs": ["h"], "perm": [0, 2, 1, 3]},
            {"name": "b", "op": "\(op)", "inputs": ["h", "t"]}
            """)
        #expect(g.nodes.last!.shape.dims == [2, 4, 4, 8])
        let b = backward(g, of: "b")
        #expect(b.map(\.shape.dims) == [[2, 4, 1, 8], [2, 1, 4, 8]])
        #expect(b.allSatisfy { $0.kind == .binaryBackward(BinaryOp(rawValue: op)!) })  // both operands were broadcast
    }

    /// Backward kernels of the data-movement and normalisation ops, by name.
    @Test func backwardKernels() throws {
        let g = try load([2, 8, 4, 4], """
            {"name": "h", "op": "tanh", "inputs": ["x"]},
            {"name": "t", "op": "transpose", "inputs": ["h"], "perm": [0, 2, 3, 1]},
            {"name": "n", "op": "layernorm", "inputs": ["t"]},
            {"name": "u", "op": "resize", "inputs": ["h"], "scale": 2},
            {"name": "g", "op": "groupnorm", "inputs": ["u"], "groups": 4},
            {"name": "r", "op": "reduce_sum", "inputs": ["g"], "axes": [2, 3], "keepdims": false},
            {"name": "m", "op": "reshape", "inputs": ["n"], "shape": [-1, 8]},
            {"name": "rt", "op": "transpose", "inputs": ["r"], "perm": [1, 0]},
            {"name": "o", "op": "matmul", "inputs": ["m", "rt"]}
            """)
        #expect(g.nodes.first { $0.name == "r" }!.shape.dims == [2, 8])
        let t = TrainingGraph.build(from: g)
        let kg = Lowering.lower(t, gpu: try GPUCatalog.load("h100"))
        func names(_ of: String) -> [String] {
            let id = g.nodes.first { $0.name == of }!.id
            return t.nodes.filter { $0.forwardOf == id }.flatMap { n in kg.opKernels[n.id].map { kg.kernels[$0].name } }
        }
        #expect(names("t") == ["copy_transpose_backward"])
        #expect(names("n") == ["layer_norm_grad_input_kernel", "GammaBetaBackward"])
        #expect(names("u") == ["fill_zero", "upsample_nearest2d_backward"])
        #expect(names("g") == ["Compute1dBackwardFusedParams", "group_norm_backward_apply", "GammaBeta1dBackward"])
        #expect(names("r") == ["expand_grad"])
        #expect(names("m").isEmpty)  // a view's gradient is a view
    }
}

