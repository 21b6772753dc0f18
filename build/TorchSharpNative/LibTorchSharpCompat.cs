// Makes TorchSharp 0.107's libLibTorchSharp.so load where the system libstdc++ predates GCC 13.
//
// The library was linked against GCC 13's libstdc++ and needs GLIBCXX_3.4.32 for exactly one symbol,
// std::ios_base_library_init(). The fix, applied to the copy in a build's output folder only:
//   1. a tiny shared library defining that function is placed next to it and added to its DT_NEEDED;
//   2. its version need on GLIBCXX_3.4.32 is marked weak (VER_FLG_WEAK), so ld.so no longer refuses it.
// Adding DT_NEEDED means growing .dynstr and .dynamic: both are rewritten into a new read-write PT_LOAD
// appended to the file, made from the PT_NOTE program header (only the build-id note is given up).
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (the task at the bottom) and by the
// test project with NO_MSBUILD_TASK defined (the ELF code alone).
#nullable disable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Rcnn.Build
{
    public sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string file, string version, bool weak) { File = file; Version = version; Weak = weak; }
        public string File { get; }
        public string Version { get; }
        public bool Weak { get; }
    }

    public static class ElfDynamicPatcher
    {
        private const uint PtLoad = 1, PtDynamic = 2, PtNote = 4;
        private const uint PfW = 2, PfR = 4;
        private const uint ShtDynamic = 6, ShtStrtab = 3;
        private const long DtNull = 0, DtNeeded = 1, DtStrtab = 5, DtStrsz = 10;
        private const long DtVerneed = 0x6ffffffe, DtVerneednum = 0x6fffffff;
        private const ushort VerFlgWeak = 2;
        private const long Page = 0x1000;

        private struct Phdr
        {
            public uint Type, Flags;
            public long Offset, Vaddr, Paddr, Filesz, Memsz, Align;
        }

        public static IReadOnlyList<string> GetNeeded(byte[] elf)
        {
            var e = new Elf(elf);
            var result = new List<string>();
            foreach (var (tag, val) in e.Dynamic)
                if (tag == DtNeeded) result.Add(e.DynStr(val));
            return result;
        }

        public static IReadOnlyList<ElfVersionNeed> GetVersionNeeds(byte[] elf)
        {
            var e = new Elf(elf);
            var result = new List<ElfVersionNeed>();
            e.WalkVersionNeeds((file, name, flagsOffset) =>
                result.Add(new ElfVersionNeed(file, name, (U16(elf, flagsOffset) & VerFlgWeak) != 0)));
            return result;
        }

        /// <summary>Returns a patched copy with <paramref name="needed"/> appended to DT_NEEDED.</summary>
        public static byte[] AddNeeded(byte[] elf, string needed) => AddNeededAndWeakenVersion(elf, needed, null);

        /// <summary>Returns a patched copy: <paramref name="needed"/> appended to DT_NEEDED and every
        /// need on <paramref name="weakVersion"/> (when given) marked weak.</summary>
        public static byte[] AddNeededAndWeakenVersion(byte[] elf, string needed, string weakVersion)
        {
            var e = new Elf(elf);
            if (GetNeeded(elf).Contains(needed)) throw new InvalidOperationException($"'{needed}' is already in DT_NEEDED");

            var phdrs = e.ReadPhdrs();
            int noteIdx = phdrs.FindIndex(p => p.Type == PtNote);
            int dynIdx = phdrs.FindIndex(p => p.Type == PtDynamic);
            if (noteIdx < 0) throw new InvalidOperationException("no PT_NOTE program header to turn into the new PT_LOAD");
            if (dynIdx < 0) throw new InvalidOperationException("no PT_DYNAMIC program header: not a dynamic ELF");

            // New .dynstr: the old one plus the new name, so every existing offset stays valid.
            long strtab = 0, strsz = 0;
            foreach (var (tag, val) in e.Dynamic)
            {
                if (tag == DtStrtab) strtab = val;
                if (tag == DtStrsz) strsz = val;
            }
            long strOff = e.VaddrToOffset(strtab);
            var newStr = new byte[strsz + Encoding.ASCII.GetByteCount(needed) + 1];
            Array.Copy(elf, strOff, newStr, 0, strsz);
            Encoding.ASCII.GetBytes(needed, 0, needed.Length, newStr, (int)strsz);

            // New .dynamic: DT_NEEDED appended after the existing ones, so symbol lookup order is unchanged.
            var dyn = new List<(long tag, long val)>();
            int lastNeeded = -1;
            foreach (var entry in e.Dynamic)
            {
                if (entry.tag == DtNull) break;
                if (entry.tag == DtNeeded) lastNeeded = dyn.Count;
                dyn.Add(entry);
            }
            dyn.Insert(lastNeeded + 1, (DtNeeded, strsz));
            dyn.Add((DtNull, 0));

            long start = AlignUp(elf.Length, Page);
            long dynOff = AlignUp(start + newStr.Length, 8);
            long end = dynOff + dyn.Count * 16;
            long maxVaddr = 0;
            foreach (var p in phdrs)
                if (p.Type == PtLoad) maxVaddr = Math.Max(maxVaddr, p.Vaddr + p.Memsz);
            long baseVaddr = AlignUp(maxVaddr, Page);
            long V(long off) => baseVaddr + (off - start);

            var output = new byte[end];
            Array.Copy(elf, output, elf.Length);
            Array.Copy(newStr, 0, output, start, newStr.Length);
            for (int i = 0; i < dyn.Count; i++)
            {
                var (tag, val) = dyn[i];
                if (tag == DtStrtab) val = V(start);
                if (tag == DtStrsz) val = newStr.Length;
                W64(output, dynOff + i * 16, tag);
                W64(output, dynOff + i * 16 + 8, val);
            }

            var load = new Phdr
            {
                Type = PtLoad, Flags = PfR | PfW, Offset = start, Vaddr = baseVaddr, Paddr = baseVaddr,
                Filesz = end - start, Memsz = end - start, Align = Page,
            };
            var dynamic = phdrs[dynIdx];
            dynamic.Offset = dynOff;
            dynamic.Vaddr = dynamic.Paddr = V(dynOff);
            dynamic.Filesz = dynamic.Memsz = dyn.Count * 16;
            dynamic.Flags = PfR | PfW;
            phdrs[dynIdx] = dynamic;
            // ld.so wants PT_LOADs in ascending address order: the new one (highest) goes after the last.
            phdrs.RemoveAt(noteIdx);
            int insertAt = phdrs.FindLastIndex(p => p.Type == PtLoad) + 1;
            phdrs.Insert(insertAt, load);
            e.WritePhdrs(output, phdrs);

            // Section headers are not used by ld.so; kept truthful for readelf/objdump.
            e.ForEachSection((shOff, type, addr) =>
            {
                if (type == ShtDynamic)
                {
                    W64(output, shOff + 16, V(dynOff)); W64(output, shOff + 24, dynOff); W64(output, shOff + 32, dyn.Count * 16);
                }
                else if (type == ShtStrtab && addr == strtab && addr != 0)
                {
                    W64(output, shOff + 16, V(start)); W64(output, shOff + 24, start); W64(output, shOff + 32, newStr.Length);
                }
            });

            if (weakVersion == null) return output;
            bool found = false;
            e.WalkVersionNeeds((file, name, flagsOffset) =>
            {
                if (name != weakVersion) return;
                W16(output, flagsOffset, (ushort)(U16(output, flagsOffset) | VerFlgWeak));
                found = true;
            });
            if (!found) throw new InvalidOperationException($"no version need on {weakVersion}");
            return output;
        }

        private sealed class Elf
        {
            private readonly byte[] b;
            public readonly List<(long tag, long val)> Dynamic = new List<(long tag, long val)>();
            private readonly long strtabOff;

            public Elf(byte[] b)
            {
                this.b = b;
                if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
                    throw new InvalidDataException("not an ELF file");
                if (b[4] != 2 || b[5] != 1) throw new InvalidDataException("only 64-bit little-endian ELF is supported");
                var dyn = ReadPhdrs().Find(p => p.Type == PtDynamic);
                if (dyn.Type != PtDynamic) return;
                for (long o = dyn.Offset; o + 16 <= dyn.Offset + dyn.Filesz; o += 16)
                {
                    long tag = I64(b, o);
                    Dynamic.Add((tag, I64(b, o + 8)));
                    if (tag == DtNull) break;
                }
                foreach (var (tag, val) in Dynamic)
                    if (tag == DtStrtab) strtabOff = VaddrToOffset(val);
            }

            public string DynStr(long offset)
            {
                long s = strtabOff + offset, e = s;
                while (this.b[e] != 0) e++;
                return Encoding.ASCII.GetString(this.b, (int)s, (int)(e - s));
            }

            public List<Phdr> ReadPhdrs()
            {
                long phoff = I64(this.b, 32);
                int phentsize = U16(this.b, 54), phnum = U16(this.b, 56);
                var list = new List<Phdr>();
                for (int i = 0; i < phnum; i++)
                {
                    long o = phoff + (long)i * phentsize;
                    list.Add(new Phdr
                    {
                        Type = U32(this.b, o), Flags = U32(this.b, o + 4), Offset = I64(this.b, o + 8), Vaddr = I64(this.b, o + 16),
                        Paddr = I64(this.b, o + 24), Filesz = I64(this.b, o + 32), Memsz = I64(this.b, o + 40), Align = I64(this.b, o + 48),
                    });
                }
                return list;
            }

            public void WritePhdrs(byte[] output, List<Phdr> phdrs)
            {
                long phoff = I64(this.b, 32);
                int phentsize = U16(this.b, 54);
                for (int i = 0; i < phdrs.Count; i++)
                {
                    long o = phoff + (long)i * phentsize;
                    var p = phdrs[i];
                    W32(output, o, p.Type); W32(output, o + 4, p.Flags); W64(output, o + 8, p.Offset);
                    W64(output, o + 16, p.Vaddr); W64(output, o + 24, p.Paddr); W64(output, o + 32, p.Filesz);
                    W64(output, o + 40, p.Memsz); W64(output, o + 48, p.Align);
                }
            }

            public void ForEachSection(Action<long, uint, long> visit)
            {
                long shoff = I64(this.b, 40);
                int shentsize = U16(this.b, 58), shnum = U16(this.b, 60);
                for (int i = 0; i < shnum && shoff != 0; i++)
                {
                    long o = shoff + (long)i * shentsize;
                    visit(o, U32(this.b, o + 4), I64(this.b, o + 16));
                }
            }

            public long VaddrToOffset(long vaddr)
            {
                foreach (var p in ReadPhdrs())
                    if (p.Type == PtLoad && vaddr >= p.Vaddr && vaddr < p.Vaddr + p.Filesz)
                        return vaddr - p.Vaddr + p.Offset;
                throw new InvalidDataException($"address 0x{vaddr:x} is in no PT_LOAD segment");
            }

            /// <summary>Calls visit(file, versionName, offsetOfVnaFlags) for each Vernaux entry.</summary>
            public void WalkVersionNeeds(Action<string, string, long> visit)
            {
                long verneed = 0, count = 0;
                foreach (var (tag, val) in Dynamic)
                {
                    if (tag == DtVerneed) verneed = val;
                    if (tag == DtVerneednum) count = val;
                }
                if (verneed == 0) return;
                long vn = VaddrToOffset(verneed);
                for (long i = 0; i < count; i++)
                {
                    int cnt = U16(this.b, vn + 2);
                    string file = DynStr(U32(this.b, vn + 4));
                    long aux = vn + U32(this.b, vn + 8);
                    for (int j = 0; j < cnt; j++)
                    {
                        visit(file, DynStr(U32(this.b, aux + 8)), aux + 4);
                        aux += U32(this.b, aux + 12);
                    }
                    long next = U32(this.b, vn + 12);
                    if (next == 0) break;
                    vn += next;
                }
            }
        }

        private static long AlignUp(long v, long a) => (v + a - 1) / a * a;
        private static ushort U16(byte[] b, long o) => (ushort)(b[o] | b[o + 1] << 8);
        private static uint U32(byte[] b, long o) => (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24);
        private static long I64(byte[] b, long o) => (long)(U32(b, o) | (ulong)U32(b, o + 4) << 32);
        private static void W16(byte[] b, long o, ushort v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }
        private static void W32(byte[] b, long o, uint v) { for (int i = 0; i < 4; i++) b[o + i] = (byte)(v >> (8 * i)); }
        private static void W64(byte[] b, long o, long v) { for (int i = 0; i < 8; i++) b[o + i] = (byte)((ulong)v >> (8 * i)); }
    }

    public static class PatchLibTorchSharpNames
    {
        public const string Version = "GLIBCXX_3.4.32";
        public const string Shim = "libRcnnIosBaseInit.so";
    }

    /// <summary>Finds out whether this machine's libstdc++ lacks a GLIBCXX version.</summary>
    public static class SystemLibStdCxx
    {
        private static readonly string[] Candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        };

        public static string Locate()
        {
            foreach (var c in Candidates)
                if (File.Exists(c)) return c;
            return null;
        }

        public static bool Provides(string path, string version)
        {
            var bytes = File.ReadAllBytes(path);
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 0; i + needle.Length <= bytes.Length; i++)
            {
                int k = 0;
                while (k < needle.Length && bytes[i + k] == needle[k]) k++;
                if (k == needle.Length) return true;
            }
            return false;
        }
    }
}

#if !NO_MSBUILD_TASK
namespace Rcnn.Build
{
    using System.Diagnostics;

    using System.Runtime.InteropServices;
    using Microsoft.Build.Framework;
    using Microsoft.Build.Utilities;

    /// <summary>MSBuild task: patches every libLibTorchSharp.so under the given folders, where needed.</summary>
    public class PatchLibTorchSharp : Task
    {
        private const string Version = PatchLibTorchSharpNames.Version;
        private const string ShimName = PatchLibTorchSharpNames.Shim;

        [Required] public string SearchDirectories { get; set; }
        [Required] public string ShimSource { get; set; }
        [Required] public string IntermediateDirectory { get; set; }
        public string Compiler { get; set; } = "g++";

        /// <summary>Patch even where this machine's libstdc++ is new enough: for outputs that run elsewhere (the packed
        /// .NET tool), whose target machine may be Debian 12.</summary>
        public bool Always { get; set; }

        public override bool Execute()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return true;
            var libs = SearchDirectories.Split(';').Where(d => d.Length > 0 && Directory.Exists(d))
                .SelectMany(d => Directory.EnumerateFiles(d, "libLibTorchSharp.so", SearchOption.AllDirectories))
                .Distinct().ToList();
            if (libs.Count == 0) return true;

            string stdcxx = SystemLibStdCxx.Locate();
            if (!Always && stdcxx != null && SystemLibStdCxx.Provides(stdcxx, Version))
            {
                Log.LogMessage(MessageImportance.Low, $"{stdcxx} provides {Version}: libLibTorchSharp.so left as shipped.");
                return true;
            }

            foreach (var lib in libs)
            {
                var bytes = File.ReadAllBytes(lib);
                var needs = ElfDynamicPatcher.GetVersionNeeds(bytes);
                if (!needs.Any(n => n.Version == Version && !n.Weak)) continue; // not needed, or patched already
                string shim = BuildShim();
                if (shim == null) return false;
                string dir = Path.GetDirectoryName(lib);
                File.Copy(shim, Path.Combine(dir, ShimName), true);
                var patched = ElfDynamicPatcher.AddNeededAndWeakenVersion(bytes, ShimName, Version);
                string tmp = lib + ".patching";
                File.WriteAllBytes(tmp, patched);
                File.Replace(tmp, lib, null);
                Log.LogMessage(MessageImportance.High, Always
                    ? $"Patched {lib} (RcnnAlwaysPatchTorchSharp): {ShimName} supplies std::ios_base_library_init() where the libstdc++ lacks {Version}."
                    : $"Patched {lib}: the system libstdc++ lacks {Version}, so {ShimName} now supplies std::ios_base_library_init().");
            }
            return true;
        }

        private string BuildShim()
        {
            Directory.CreateDirectory(IntermediateDirectory);
            string output = Path.Combine(IntermediateDirectory, ShimName);
            if (File.Exists(output) && File.GetLastWriteTimeUtc(output) >= File.GetLastWriteTimeUtc(ShimSource)) return output;
            var psi = new ProcessStartInfo(Compiler, $"-shared -fPIC -O2 -o \"{output}.tmp\" \"{ShimSource}\"")
            {
                RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            };
            try
            {
                using (var p = Process.Start(psi))
                {
                    string err = p.StandardError.ReadToEnd();
                    p.WaitForExit();
                    if (p.ExitCode != 0)
                    {
                        Log.LogError($"TorchSharp needs {Version} here and the compatibility shim failed to compile with {Compiler}: {err}");
                        return null;
                    }
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                Log.LogError($"TorchSharp's native library needs {Version}, which this system's libstdc++ lacks. " +
                    $"The build fixes that by compiling a small shim, but '{Compiler}' was not found: install g++ (apt-get install g++).");
                return null;
            }
            if (File.Exists(output)) File.Replace(output + ".tmp", output, null);
            else File.Move(output + ".tmp", output);
            return output;
        }
    }
}
#endif
