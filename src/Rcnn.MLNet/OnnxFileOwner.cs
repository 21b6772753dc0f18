using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// The chain's ONNX step, fitted from a file this library writes into <c>MLContext.TempFilePath</c> and deletes when the
/// step is disposed (the chain's <c>Dispose</c> does it), or at the latest when the ONNX transformer is collected.
/// ML.NET's own <c>ApplyOnnxModel(Stream)</c> writes such a file too but never deletes it (it opens it as a user's file),
/// so every fitted chain would leave its whole graph on disk. Everything else is the wrapped
/// <see cref="OnnxTransformer"/>'s: saving writes it, so a saved chain loads as ML.NET's plain ONNX step, whose copy
/// ML.NET deletes on <c>Dispose</c>.
/// </summary>
internal sealed class OnnxFileOwner : ITransformer, ICanSaveModel, IDisposable
{
    // Keeps the file as long as the ONNX transformer lives (a prediction engine may hold its mapper without this step).
    private static readonly ConditionalWeakTable<OnnxTransformer, TemporaryFile> Files = new();

    private readonly OnnxTransformer onnx;
    private readonly TemporaryFile file;

    private OnnxFileOwner(OnnxTransformer onnx, TemporaryFile file)
    {
        this.onnx = onnx;
        this.file = file;
        Files.Add(onnx, file);
    }

    /// <summary>Writes <paramref name="model"/> to a new file in <paramref name="folder"/> and fits
    /// <paramref name="catalog"/>'s ONNX step on it (the catalog's GPU settings apply).</summary>
    public static OnnxFileOwner Fit(TransformsCatalog catalog, string folder, byte[] model, string[] outputs, string[] inputs, IDataView input)
    {
        var file = TemporaryFile.Write(folder, model);
        try
        {
            return new OnnxFileOwner(catalog.ApplyOnnxModel(outputs, inputs, file.Path).Fit(input), file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool IsRowToRowMapper => ((ITransformer)onnx).IsRowToRowMapper;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => onnx.GetOutputSchema(inputSchema);

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)onnx).GetRowToRowMapper(inputSchema);

    public IDataView Transform(IDataView input) => onnx.Transform(input);

    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)onnx).Save(ctx);

    public void Dispose()
    {
        onnx.Dispose();
        file.Dispose();
    }

    /// <summary>A file deleted on <see cref="Dispose"/> or, failing that, by the finalizer.</summary>
    private sealed class TemporaryFile : IDisposable
    {
        private int deleted;

        private TemporaryFile(string path) => Path = path;

        public string Path { get; }

        public static TemporaryFile Write(string folder, byte[] bytes)
        {
            Directory.CreateDirectory(folder);
            var path = System.IO.Path.Combine(folder, "rcnn-" + Guid.NewGuid().ToString("N") + ".onnx");
            File.WriteAllBytes(path, bytes);
            return new TemporaryFile(path);
        }

        public void Dispose()
        {
            Delete();
            GC.SuppressFinalize(this);
        }

        ~TemporaryFile() => Delete();

        private void Delete()
        {
            if (Interlocked.Exchange(ref deleted, 1) != 0) return;
            try
            {
                File.Delete(Path);
            }
            catch (IOException)
            {
                // Still open elsewhere (Windows): the folder is a temporary one.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
