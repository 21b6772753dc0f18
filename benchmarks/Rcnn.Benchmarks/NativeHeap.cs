using System.Runtime.InteropServices;

namespace Rcnn.Benchmarks;

/// <summary>glibc's own view of the native heap (mallinfo2, summed over all arenas): what is in use, what is free but
/// still mapped, and what is in mmapped chunks. Zeros where glibc is not the allocator.</summary>
internal static class NativeHeap
{
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 Native();

    /// <summary>(in use, free but held, mmapped) in MB.</summary>
    public static (double InUseMb, double FreeMb, double MmapMb) Info()
    {
        if (!OperatingSystem.IsLinux()) return (0, 0, 0);
        try
        {
            var m = Native();
            const double Mb = 1024.0 * 1024.0;
            return (m.Uordblks / Mb, m.Fordblks / Mb, m.Hblkhd / Mb);
        }
        catch (EntryPointNotFoundException) { return (0, 0, 0); }
        catch (DllNotFoundException) { return (0, 0, 0); }
    }
}
