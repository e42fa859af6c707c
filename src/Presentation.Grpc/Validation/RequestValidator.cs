using System.Collections;
using System.Text;
using Ardalis.Result;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using WorkflowRuntime.Application.Common;
using WorkflowRuntime.Domain.Text;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Presentation.Grpc.Validation;

/// <summary>
/// The first pass over every request, before any use case reads it: walks the message through its descriptor, so
/// every string, list, map, enum and timestamp of every RPC is covered, including fields added later. It reports
/// every violation it finds (up to <see cref="MaxViolations"/>) with the field's path, quoting at most a short
/// prefix of an offending value. Meaning (UUIDs, cron syntax, lifecycle) stays with the use cases and the domain.
/// </summary>
internal sealed class RequestValidator(FieldLimits limits)
{
    public const int MaxViolations = 10;

    // google.protobuf.Timestamp's own range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;

    public IReadOnlyList<ValidationError> Validate(IMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var violations = new List<ValidationError>();
        Walk(request, prefix: string.Empty, violations);
        return violations;
    }

    private void Walk(IMessage message, string prefix, List<ValidationError> violations)
    {
        if (message is Timestamp timestamp)
        {
            CheckTimestamp(timestamp, prefix.TrimEnd('.'), violations);
            return;
        }

        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (violations.Count >= MaxViolations)
            {
                return;
            }

            var path = prefix + field.Name;
            if (field.IsMap)
            {
                CheckMap(field, (IDictionary)field.Accessor.GetValue(message), path, violations);
            }
            else if (field.IsRepeated)
            {
                CheckList(field, (IList)field.Accessor.GetValue(message), path, violations);
            }
            else if (field.HasPresence && !field.Accessor.HasValue(message))
            {
                // An unset optional or message field: nothing to check.
            }
            else
            {
                CheckValue(field, field.Accessor.GetValue(message), path, violations);
            }
        }
    }

    private void CheckList(FieldDescriptor field, IList values, string path, List<ValidationError> violations)
    {
        var max = FieldLimits.MaxCount(field.Name);
        if (values.Count > max)
        {
            Add(violations, path, $"{path} has {values.Count} entries; at most {max} are allowed.");
            return;
        }

        for (var i = 0; i < values.Count && violations.Count < MaxViolations; i++)
        {
            CheckValue(field, values[i], $"{path}[{i}]", violations);
        }
    }

    private static void CheckMap(FieldDescriptor field, IDictionary entries, string path, List<ValidationError> violations)
    {
        var max = FieldLimits.MaxCount(field.Name);
        if (entries.Count > max)
        {
            Add(violations, path, $"{path} has {entries.Count} entries; at most {max} are allowed.");
            return;
        }

        foreach (DictionaryEntry entry in entries)
        {
            var key = entry.Key as string ?? string.Empty;
            var value = entry.Value as string ?? string.Empty;
            var entryPath = $"{path}[{InputText.Quote(key)}]";
            CheckText(key, FieldLimits.MetadataKeyLength, $"{path} key", path, violations);
            CheckText(value, FieldLimits.MetadataValueLength, $"{entryPath} value", path, violations);
            if (violations.Count >= MaxViolations)
            {
                return;
            }
        }
    }

    private void CheckValue(FieldDescriptor field, object? value, string path, List<ValidationError> violations)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                CheckString(field.Name, value as string ?? string.Empty, path, violations);
                break;
            case FieldType.Bytes when value is ByteString bytes && bytes.Length > FieldLimits.DefaultStringLength:
                Add(violations, path, $"{path} is {bytes.Length} bytes; at most {FieldLimits.DefaultStringLength} are allowed.");
                break;
            case FieldType.Enum:
                CheckEnum(field.EnumType, Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture), path, violations);
                break;
            case FieldType.Message when value is IMessage nested:
                Walk(nested, path + ".", violations);
                break;
        }
    }

    private void CheckString(string fieldName, string value, string path, List<ValidationError> violations)
    {
        if (limits.JsonPayloadBytes.TryGetValue(fieldName, out var maxBytes))
        {
            CheckJson(value, maxBytes, path, violations);
            return;
        }

        if (!CheckText(value, FieldLimits.MaxLength(fieldName), path, path, violations))
        {
            return;
        }

        if (fieldName == "timezone" && !string.IsNullOrWhiteSpace(value) && !IanaTimeZones.IsCanonical(value.Trim()))
        {
            var hint = IanaTimeZones.CanonicalSpelling(value);
            Add(violations, path, hint is not null
                ? $"{path} '{InputText.Quote(value)}' is not a canonical IANA id; did you mean '{hint}'?"
                : $"{path} '{InputText.Quote(value)}' is not an IANA time zone id (e.g. 'Europe/Berlin' or 'UTC'; case matters).");
        }
    }

    /// <summary>Length first (cheap, and nothing long is scanned), then characters no store takes. True when the value passed.</summary>
    private static bool CheckText(string value, int maxLength, string subject, string path, List<ValidationError> violations)
    {
        if (value.Length > maxLength)
        {
            Add(violations, path, $"{subject} is {value.Length} characters long; at most {maxLength} are allowed (it starts '{InputText.Quote(value)}').");
            return false;
        }

        if (InputText.FindUnstorable(value) is { } problem)
        {
            Add(violations, path, $"{subject} {problem}; NUL characters and unpaired surrogates are not accepted.");
            return false;
        }

        return true;
    }

    private static void CheckJson(string value, int maxBytes, string path, List<ValidationError> violations)
    {
        // A char is at most 3 UTF-8 bytes (a surrogate pair is 2 chars for 4 bytes), so this bounds the count cheaply.
        if (value.Length > maxBytes || (value.Length * 3L > maxBytes && Encoding.UTF8.GetByteCount(value) > maxBytes))
        {
            violations.Add(new ValidationError(path, $"{path} is larger than the limit of {maxBytes} bytes.",
                FailureCode.ResourceExhausted, ValidationSeverity.Error));
            return;
        }

        if (InputText.FindUnstorable(value) is { } raw)
        {
            Add(violations, path, $"{path} {raw}; JSON text may not hold them.");
        }
        else if (value.Length > 0 && JsonText.FindUnstorable(value) is { } problem)
        {
            Add(violations, path, $"{path} cannot be stored: {problem}.");
        }
    }

    private static void CheckEnum(EnumDescriptor type, int number, string path, List<ValidationError> violations)
    {
        if (type.FindValueByNumber(number) is null)
        {
            Add(violations, path, $"{path} is {number}, which is not a {type.Name} of this contract.");
        }
    }

    private static void CheckTimestamp(Timestamp timestamp, string path, List<ValidationError> violations)
    {
        if (timestamp.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds)
        {
            Add(violations, path, $"{path} has seconds {timestamp.Seconds}; a timestamp must lie between the years 1 and 9999.");
        }
        else if (timestamp.Nanos is < 0 or > 999_999_999)
        {
            Add(violations, path, $"{path} has nanos {timestamp.Nanos}; nanos must be between 0 and 999999999.");
        }
    }

    private static void Add(List<ValidationError> violations, string path, string message) =>
        violations.Add(new ValidationError(path, message, FailureCode.InvalidArgument, ValidationSeverity.Error));
}
