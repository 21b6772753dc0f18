using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Rcnn.Training.Checkpoint;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Engine;

/// <summary>
/// Saves and resumes training state (detectron2's <c>DetectionCheckpointer</c> + <c>PeriodicCheckpointer</c>).
/// A checkpoint <c>NAME.ckpt</c> is a zip of <c>model.safetensors</c>, <c>optimizer.bin</c> (TorchSharp's optimizer
/// state) and <c>meta.json</c> (iteration, SHA-256 of both, extra values). Each file is written to a temporary name,
/// flushed and then renamed, and <c>last_checkpoint</c> is updated only afterwards, so a crash mid-write never replaces
/// the last good checkpoint; a damaged file is detected by its hashes and skipped on resume.
/// </summary>
public sealed class Checkpointer
{
    public const string LastCheckpointFile = "last_checkpoint";
    public const string Extension = ".ckpt";

    public Checkpointer(string directory, int maxToKeep = 3, Action<string>? log = null)
    {
        if (maxToKeep < 1) throw new ArgumentOutOfRangeException(nameof(maxToKeep), maxToKeep, "keep at least one checkpoint");
        Directory = directory;
        MaxToKeep = maxToKeep;
        Log = log ?? (_ => { });
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    public int MaxToKeep { get; }

    private Action<string> Log { get; }

    /// <summary>Values every <see cref="Save"/> adds to the checkpoint's extra values (a trainer's seed and RNG state, so
    /// that a resume continues the same run); a caller's extra values with the same key win.</summary>
    public Func<IReadOnlyDictionary<string, string>>? RunState { get; set; }

    /// <summary>Writes NAME.ckpt, points last_checkpoint at it and prunes the oldest periodic checkpoints
    /// (those named model_NNNNNNN) beyond <see cref="MaxToKeep"/>.</summary>
    public string Save(string name, nn.Module model, optim.Optimizer? optimizer, int iteration, IReadOnlyDictionary<string, string>? extra = null)
    {
        // Entries are streamed into the zip and hashed on the way: no in-memory copy of weights or optimizer state
        // (those copies were large-object garbage that kept resident memory high long after each save).
        string path = Path.Combine(Directory, name + Extension);
        AtomicWrite(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            string modelHash = AddStreamed(zip, "model.safetensors", s => SafeTensors.Write(s, model.state_dict()));
            string? optimizerHash = optimizer is null ? null : AddStreamed(zip, "optimizer.bin", s =>
            {
                using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
                AsHelper(optimizer).save_state_dict(w);
            });
            var values = RunState?.Invoke().ToDictionary(kv => kv.Key, kv => kv.Value) ?? new Dictionary<string, string>();
            foreach (var kv in extra ?? new Dictionary<string, string>()) values[kv.Key] = kv.Value;
            var meta = new CheckpointMeta(iteration, modelHash, optimizerHash, values);
            Add(zip, "meta.json", JsonSerializer.SerializeToUtf8Bytes(meta));
        });
        AtomicWrite(Path.Combine(Directory, LastCheckpointFile), s => s.Write(System.Text.Encoding.UTF8.GetBytes(name + Extension)));
        Prune();
        Log($"Saved checkpoint {path} (iteration {iteration}).");
        return path;
    }

    /// <summary>The checkpoint last_checkpoint names, or null when there is none.</summary>
    public string? LastCheckpoint
    {
        get
        {
            string last = Path.Combine(Directory, LastCheckpointFile);
            return File.Exists(last) ? Path.Combine(Directory, File.ReadAllText(last).Trim()) : null;
        }
    }

    /// <summary>Deletes every checkpoint in the folder but <paramref name="keep"/> and points last_checkpoint at it, so
    /// a resume starts there.</summary>
    public void KeepOnly(string keep)
    {
        foreach (var f in System.IO.Directory.GetFiles(Directory, "*" + Extension))
            if (!string.Equals(Path.GetFullPath(f), Path.GetFullPath(keep), StringComparison.Ordinal)) File.Delete(f);
        AtomicWrite(Path.Combine(Directory, LastCheckpointFile), s => s.Write(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(keep))));
    }

    /// <summary>Loads the newest intact checkpoint (the one last_checkpoint names, else the newest valid file) into
    /// <paramref name="model"/> and <paramref name="optimizer"/>; returns its iteration, or null when there is none.</summary>
    public int? Resume(nn.Module model, optim.Optimizer? optimizer) => ResumeMeta(model, optimizer)?.Iteration;

    /// <summary>As <see cref="Resume"/>, returning the loaded checkpoint's meta data (iteration and extra values).</summary>
    public CheckpointMeta? ResumeMeta(nn.Module model, optim.Optimizer? optimizer)
    {
        foreach (var path in Candidates())
        {
            if (!TryRead(path, out var state, out string? why))
            {
                Log($"Skipping checkpoint {path}: {why}");
                continue;
            }
            Apply(state!, model, optimizer, path);
            Log($"Resumed from {path} at iteration {state!.Meta.Iteration}.");
            return state.Meta;
        }
        return null;
    }

    /// <summary>Loads model weights only, from a .ckpt or a .safetensors file (strict: every tensor must fit).</summary>
    public static LoadReport LoadWeights(string path, nn.Module model, bool strict = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Weights file not found: {path}", path);
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            return StateDictLoader.Load(model, SafeTensors.Load(path), strict);
        if (!TryRead(path, out var state, out string? why)) throw new InvalidDataException($"{path}: {why}");
        return StateDictLoader.Load(model, SafeTensors.Read(new MemoryStream(state!.Model), out _), strict);
    }

    /// <summary>The iteration a checkpoint file was saved at, if it is intact.</summary>
    public static int? IterationOf(string path) => TryRead(path, out var s, out _) ? s!.Meta.Iteration : null;

    /// <summary>The extra values a checkpoint file was saved with, if it is intact.</summary>
    public static IReadOnlyDictionary<string, string>? ExtraOf(string path) => TryRead(path, out var s, out _) ? s!.Meta.Extra : null;

    private IEnumerable<string> Candidates()
    {
        var seen = new HashSet<string>();
        string last = Path.Combine(Directory, LastCheckpointFile);
        if (File.Exists(last))
        {
            string named = Path.Combine(Directory, File.ReadAllText(last).Trim());
            if (seen.Add(named) && File.Exists(named)) yield return named;
        }
        var others = System.IO.Directory.EnumerateFiles(Directory, "*" + Extension)
            .Select(p => (Path: p, Iteration: IterationOf(p) ?? -1))
            .OrderByDescending(t => t.Iteration).ThenByDescending(t => File.GetLastWriteTimeUtc(t.Path));
        foreach (var (p, _) in others)
            if (seen.Add(p)) yield return p;
    }

    private void Prune()
    {
        var periodic = System.IO.Directory.EnumerateFiles(Directory, "model_*" + Extension)
            .Where(p => int.TryParse(Path.GetFileNameWithoutExtension(p)["model_".Length..], out _))
            .OrderByDescending(p => p, StringComparer.Ordinal).ToList();
        foreach (var old in periodic.Skip(MaxToKeep)) File.Delete(old);
    }

    private static void Apply(CheckpointState state, nn.Module model, optim.Optimizer? optimizer, string path)
    {
        StateDictLoader.Load(model, SafeTensors.Read(new MemoryStream(state.Model), out _), strict: true);
        if (optimizer is null) return;
        if (state.Optimizer is null) throw new InvalidDataException($"{path} holds no optimizer state to resume from.");
        using var r = new BinaryReader(new MemoryStream(state.Optimizer));
        AsHelper(optimizer).load_state_dict(r);
    }

    private static TorchSharp.Modules.OptimizerHelper AsHelper(optim.Optimizer optimizer) =>
        optimizer as TorchSharp.Modules.OptimizerHelper
        ?? throw new NotSupportedException($"{optimizer.GetType().Name} cannot save its state; use one of TorchSharp's optimizers.");

    private static bool TryRead(string path, out CheckpointState? state, out string? why)
    {
        state = null;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var meta = JsonSerializer.Deserialize<CheckpointMeta>(ReadEntry(zip, "meta.json"))
                ?? throw new InvalidDataException("empty meta.json");
            var model = ReadEntry(zip, "model.safetensors");
            if (Hash(model) != meta.ModelSha256) { why = "model weights do not match their recorded hash"; return false; }
            byte[]? opt = null;
            if (meta.OptimizerSha256 is not null)
            {
                opt = ReadEntry(zip, "optimizer.bin");
                if (Hash(opt) != meta.OptimizerSha256) { why = "optimizer state does not match its recorded hash"; return false; }
            }
            state = new CheckpointState(meta, model, opt);
            why = null;
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or JsonException or UnauthorizedAccessException)
        {
            why = e.Message;
            return false;
        }
    }

    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidDataException($"no {name} inside");
        using var s = entry.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    private static void Add(ZipArchive zip, string name, byte[] bytes)
    {
        using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        s.Write(bytes);
    }

    /// <summary>Writes one entry through <paramref name="write"/> and returns the SHA-256 of its bytes.</summary>
    private static string AddStreamed(ZipArchive zip, string name, Action<Stream> write)
    {
        using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        using var hashing = new HashingWriteStream(entry);
        write(hashing);
        return hashing.HashHex();
    }

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    private static void AtomicWrite(string path, Action<Stream> write)
    {
        string tmp = $"{path}.tmp-{Environment.ProcessId}";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            write(fs);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    private sealed record CheckpointState(CheckpointMeta Meta, byte[] Model, byte[]? Optimizer);
}

/// <summary>The checkpoint's meta.json.</summary>
public sealed record CheckpointMeta(int Iteration, string ModelSha256, string? OptimizerSha256, Dictionary<string, string> Extra);
