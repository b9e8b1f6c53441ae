#!/usr/bin/env python3
# import-grow.py IN OUT COPIES - a large recording for the import benchmark
# from a small one: its events repeated COPIES times, each copy shifted in
# time past the one before.  IN is a trace-cmd trace.dat of file version 6,
# uncompressed (trace-cmd convert --file-version 6 --compression none), or a
# perf.data; OUT is the same kind of file.
import struct
import sys


def grow_tracedat(b, copies):
    """trace.dat v6: the metadata as it is, each CPU's pages repeated with
    the page header's base time shifted."""
    pos = 10
    ver_end = b.index(b"\0", pos)
    if b[pos:ver_end] != b"6":
        sys.exit("import-grow: trace.dat version %r: convert to 6 first" % b[pos:ver_end])
    pos = ver_end + 1
    if b[pos] != 0:
        sys.exit("import-grow: big-endian trace.dat")
    long_size, page = b[pos + 1], struct.unpack_from("<I", b, pos + 2)[0]
    pos += 6

    def blob(pos, width):
        n = int.from_bytes(b[pos:pos + width], "little")
        return pos + width + n

    for label in (b"header_page\0", b"header_event\0"):
        assert b[pos:pos + len(label)] == label
        pos = blob(pos + len(label), 8)
    n = struct.unpack_from("<I", b, pos)[0]
    pos += 4
    for _ in range(n):
        pos = blob(pos, 8)
    nsys = struct.unpack_from("<I", b, pos)[0]
    pos += 4
    for _ in range(nsys):
        pos = b.index(b"\0", pos) + 1
        n = struct.unpack_from("<I", b, pos)[0]
        pos += 4
        for _ in range(n):
            pos = blob(pos, 8)
    pos = blob(pos, 4)  # kallsyms
    pos = blob(pos, 4)  # printk formats
    pos = blob(pos, 8)  # command lines
    ncpu = struct.unpack_from("<I", b, pos)[0]
    pos += 4
    label = b[pos:pos + 10]
    pos += 10
    if label == b"options  \0":
        while True:
            oid = struct.unpack_from("<H", b, pos)[0]
            pos += 2
            if oid == 0:
                break
            size = struct.unpack_from("<I", b, pos)[0]
            pos += 4 + size
        label = b[pos:pos + 10]
        pos += 10
    if label != b"flyrecord\0":
        sys.exit("import-grow: no flyrecord data")
    table = pos
    cpus = [struct.unpack_from("<QQ", b, table + 16 * i) for i in range(ncpu)]
    # the time span of the recording, from the pages' base times
    stamps = [struct.unpack_from("<Q", b, off + p)[0]
              for off, size in cpus for p in range(0, size, page)]
    span = (max(stamps) - min(stamps) + 1_000_000) if stamps else 1
    head = bytearray(b[:table + 16 * ncpu])
    out = bytearray()
    data_at = (len(head) + page - 1) // page * page
    for i, (off, size) in enumerate(cpus):
        pages = bytearray()
        for k in range(copies):
            for p in range(0, size, page):
                pg = bytearray(b[off + p:off + min(p + page, size)])
                ts = struct.unpack_from("<Q", pg, 0)[0]
                struct.pack_into("<Q", pg, 0, ts + k * span)
                pages += pg.ljust(page, b"\0")
        struct.pack_into("<QQ", head, table + 16 * i, data_at + len(out), len(pages))
        out += pages
    return bytes(head.ljust(data_at, b"\0") + out)


def grow_perf(b, copies):
    """perf.data: the data section's samples repeated, their times shifted;
    the feature sections after it moved along."""
    (hsize, attr_size, aoff, asize, doff, dsize) = struct.unpack_from("<6Q", b, 8)
    bits = int.from_bytes(b[72:104], "little")
    st = struct.unpack_from("<Q", b, aoff + 24)[0]
    if not st & (1 << 2):
        sys.exit("import-grow: samples without times")
    # the time's place in a sample: after IDENTIFIER, IP, TID
    t_at = 8 + 8 * bool(st & (1 << 16)) + 8 * bool(st & 1) + 8 * bool(st & 2)
    data = b[doff:doff + dsize]
    times = []
    pos = 0
    while pos < len(data):
        typ, _, size = struct.unpack_from("<IHH", data, pos)
        if typ == 9:
            times.append(struct.unpack_from("<Q", data, pos + t_at)[0])
        pos += size
    span = (max(times) - min(times) + 1_000_000) if times else 1
    # the other records (perf's process and module maps) once, first
    out = bytearray()
    samples = []
    pos = 0
    while pos < len(data):
        typ, _, size = struct.unpack_from("<IHH", data, pos)
        if typ == 9:
            samples.append(data[pos:pos + size])
        else:
            out += data[pos:pos + size]
        pos += size
    for k in range(copies):
        for rec in samples:
            r = bytearray(rec)
            ts = struct.unpack_from("<Q", r, t_at)[0]
            struct.pack_into("<Q", r, t_at, ts + k * span)
            out += r
    delta = len(out) - dsize
    feats = bytearray(b[doff + dsize:])
    nfeat = bin(bits).count("1")
    for i in range(nfeat):
        off, size = struct.unpack_from("<QQ", feats, 16 * i)
        struct.pack_into("<QQ", feats, 16 * i, off + delta, size)
    head = bytearray(b[:doff])
    struct.pack_into("<Q", head, 48, len(out))
    return bytes(head + out + feats)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: import-grow.py IN OUT COPIES")
    b = open(sys.argv[1], "rb").read()
    copies = int(sys.argv[3])
    if b[:10] == b"\x17\x08\x44tracing":
        out = grow_tracedat(b, copies)
    elif b[:8] == b"PERFILE2":
        out = grow_perf(b, copies)
    else:
        sys.exit("import-grow: %s is neither a trace.dat nor a perf.data" % sys.argv[1])
    open(sys.argv[2], "wb").write(out)


main()
