import Foundation


/// The built-in networks, built in code from their published definitions.
///
/// A model is named `NAME` or `NAME:key=value,...` (for example `pathnet:L=3,M=8,N=2` or `randwire:seed=7`).
public enum ModelZoo {
    /// Every built-in model name, in the order `convtop models` lists them.
    public static let names = ["alexnet", "vgg16", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
                               "googlenet", "inception_v3", "densenet121", "squeezenet1_0", "mobilenet_v2",
                               "pathnet", "nasnet", "randwire"]

    /// Builds a named model (forward graph) at `batch`.
    public static func build(_ spec: String, batch: Int) throws -> Graph {
        guard batch >= 1 else { throw ConvtopError(.model, "batch size must be at least 1 (got \(batch))") }
        let (name, params) = try parse(spec)
        // Upper bounds keep every built model within memory and time (100 k ops at most); seeds are free.
        let maxima: [String: Int] = ["L": 64, "M": 64, "N": 64, "size": 1024, "cells": 64, "filters": 4096, "nodes": 512,
                                     "k": 64, "channels": 4096, "ops": 100_000, "width": 256, "seed": Int(Int32.max)]
        func int(_ key: String, _ def: Int, min: Int = 1) throws -> Int {
            guard let v = params[key] else { return def }
            let top = maxima[key] ?? InputLimits.dimension
            guard let i = Int(v), i >= min, i <= top else {
                throw ConvtopError(.model, "model parameter '\(key)' of \(name) must be an integer from \(min) to \(top) (got '\(v)')")
            }
            return i
        }
        let allowed: [String: Set<String>] = ["pathnet": ["L", "M", "N", "size", "seed"],
                                              "randwire": ["nodes", "k", "p", "channels", "seed"],
                                              "nasnet": ["cells", "filters"], "synthetic": ["ops", "width", "seed"]]
        if let bad = params.keys.sorted().first(where: { !(allowed[name] ?? []).contains($0) }) {
            let ok = allowed[name].map { $0.sorted().joined(separator: ", ") } ?? "none"
            throw ConvtopError(.model, "model \(name) has no parameter '\(bad)' (its parameters: \(ok))")
        }
        switch name {
        case "alexnet": return ClassicNets.alexnet(batch: batch)
        case "vgg16": return ClassicNets.vgg16(batch: batch)
        case "resnet18": return ResNet.build(name: name, bottleneck: false, layers: [2, 2, 2, 2], batch: batch)
        case "resnet34": return ResNet.build(name: name, bottleneck: false, layers: [3, 4, 6, 3], batch: batch)
        case "resnet50": return ResNet.build(name: name, bottleneck: true, layers: [3, 4, 6, 3], batch: batch)
        case "resnet101": return ResNet.build(name: name, bottleneck: true, layers: [3, 4, 23, 3], batch: batch)
        case "resnet152": return ResNet.build(name: name, bottleneck: true, layers: [3, 8, 36, 3], batch: batch)
        case "googlenet": return GoogLeNet.build(batch: batch)
        case "inception_v3": return InceptionV3.build(batch: batch)
        case "densenet121": return DenseNet.build(batch: batch)
        case "squeezenet1_0": return SqueezeNet.build(batch: batch)
        case "mobilenet_v2": return MobileNetV2.build(batch: batch)
        case "pathnet":
            var c = PathNetConfig()
            c.layers = try int("L", c.layers); c.modules = try int("M", c.modules)
            c.active = try int("N", c.active); c.inputSize = try int("size", c.inputSize, min: 36)
            c.seed = UInt64(try int("seed", Int(c.seed), min: 0))
            guard c.active <= c.modules else { throw ConvtopError(.model, "pathnet: N (\(c.active)) cannot exceed M (\(c.modules))") }
            return PathNet.build(batch: batch, config: c)
        case "nasnet":
            return NASNet.build(batch: batch, cellsPerStack: try int("cells", 4), filters: try int("filters", 44, min: 4))
        case "randwire":
            var c = RandWireConfig()
            c.nodes = try int("nodes", c.nodes, min: 4); c.k = try int("k", c.k, min: 2)
            c.channels = try int("channels", c.channels, min: 2); c.seed = UInt64(try int("seed", Int(c.seed), min: 0))
            if let p = params["p"] {
                guard let v = Double(p), v >= 0, v <= 1 else { throw ConvtopError(.model, "randwire: p must be between 0 and 1 (got '\(p)')") }
                c.p = v
            }
            guard c.k < c.nodes, c.k % 2 == 0 else { throw ConvtopError(.model, "randwire: k must be even and smaller than nodes") }
            return RandWire.build(batch: batch, config: c)
        case "synthetic":
            return Synthetic.build(batch: batch, ops: try int("ops", 10_000), width: try int("width", 8),
                                   seed: UInt64(try int("seed", 1, min: 0)))
        default:
            throw ConvtopError(.model, "unknown model '\(name)'; valid models: \(names.joined(separator: ", ")) (or a .json graph file)")
        }
    }

    static func parse(_ spec: String) throws -> (String, [String: String]) {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        let name = parts.first?.lowercased() ?? ""
        var params: [String: String] = [:]
        if parts.count == 2 {
            for kv in parts[1].split(separator: ",") {
                let p = kv.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
                guard p.count == 2, !p[0].isEmpty else { throw ConvtopError(.model, "model parameters look like NAME:key=value,... (got '\(spec)')") }
                params[p[0]] = p[1]
            }
        }
        return (name, params)
    }
}
