"""Merges kernel catalogs measured on the same GPU into one (later files win for a key measured twice).

    python3 merge_catalogs.py OUT.tsv.gz IN1.tsv.gz IN2.tsv.gz ...

Kernel-name indices are per file; the merged file numbers the names afresh.
"""
import gzip, sys

header, names_out, entries = None, {}, {}
for path in sys.argv[2:]:
    names = {}
    for line in gzip.open(path, "rt"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "convtop-catalog":
            header = header or line.rstrip("\n")
        elif f[0] == "N":
            names[f[1]] = f[2]
        elif f[0] == "E":
            kernels = [k.split(",") for k in f[4].split(";")]
            entries[f[1]] = (f[2], f[3], [(names[k[0]], k[1:]) for k in kernels])
with gzip.open(sys.argv[1], "wt") as out:
    out.write(header + "\n")
    for key, (flops, nbytes, kernels) in entries.items():
        parts = []
        for name, rest in kernels:
            if name not in names_out:
                names_out[name] = len(names_out)
                out.write(f"N\t{names_out[name]}\t{name}\n")
            parts.append(",".join([str(names_out[name])] + rest))
        out.write(f"E\t{key}\t{flops}\t{nbytes}\t{';'.join(parts)}\n")
print(f"{len(entries)} entries, {len(names_out)} kernel names")
