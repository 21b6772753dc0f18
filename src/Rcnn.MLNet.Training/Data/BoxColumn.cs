using Microsoft.ML;
using Microsoft.ML.Data;

namespace Rcnn.MLNet.Data;

/// <summary>A per-object box column: float[4N], x0, y0, x1, y1 per object in image pixels.</summary>
internal static class BoxColumn
{
    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string parameter, string? role = null)
    {
        var col = schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(parameter,
            $"{LabelColumn.Prefix(role)}Box column '{name}' was not found; columns: [{string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}].");
        if (col.Type is not VectorDataViewType { ItemType: NumberDataViewType n } || n.RawType != typeof(float))
            throw new ArgumentOutOfRangeException(parameter, $"{LabelColumn.Prefix(role)}Box column '{name}' must be a vector of Single (x0, y0, x1, y1 per object); got {col.Type}.");
        return col;
    }

    /// <summary>A reader of the current row's boxes, checked to be whole boxes of finite numbers.</summary>
    public static Func<float[]> MakeReader(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        return () =>
        {
            getter(ref buffer);
            var values = buffer.DenseValues().ToArray();
            if (values.Length % 4 != 0)
                throw new InvalidOperationException(
                    $"Row {row.Position}, column '{column.Name}': {values.Length} values; boxes are 4 numbers each (x0, y0, x1, y1).");
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i]))
                    throw new InvalidOperationException($"Row {row.Position}, column '{column.Name}': box {i / 4} has a non-finite coordinate ({values[i]}).");
            return values;
        };
    }
}
