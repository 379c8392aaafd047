// A small JSON reader and writer: netstandard2.0 has no JSON in the box (System.Text.Json is a NuGet
// package on .NET Framework), and the client takes no dependency. Objects read as
// Dictionary<string, object>, arrays as List<object>, numbers as double.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Slotkeeper
{
    internal static class Json
    {
        public static object Parse(string text)
        {
            int i = 0;
            object value = Read(text, ref i);
            Skip(text, ref i);
            if (i != text.Length) throw new FormatException("Trailing characters after JSON.");
            return value;
        }

        static void Skip(string s, ref int i)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        }

        static object Read(string s, ref int i)
        {
            Skip(s, ref i);
            if (i >= s.Length) throw new FormatException("Unexpected end of JSON.");
            char c = s[i];
            if (c == '{')
            {
                var obj = new Dictionary<string, object>();
                i++;
                Skip(s, ref i);
                if (s[i] == '}') { i++; return obj; }
                while (true)
                {
                    Skip(s, ref i);
                    string key = ReadString(s, ref i);
                    Skip(s, ref i);
                    if (s[i++] != ':') throw new FormatException("Expected ':'.");
                    obj[key] = Read(s, ref i);
                    Skip(s, ref i);
                    if (s[i] == ',') { i++; continue; }
                    if (s[i++] == '}') return obj;
                    throw new FormatException("Expected ',' or '}'.");
                }
            }
            if (c == '[')
            {
                var list = new List<object>();
                i++;
                Skip(s, ref i);
                if (s[i] == ']') { i++; return list; }
                while (true)
                {
                    list.Add(Read(s, ref i));
                    Skip(s, ref i);
                    if (s[i] == ',') { i++; continue; }
                    if (s[i++] == ']') return list;
                    throw new FormatException("Expected ',' or ']'.");
                }
            }
            if (c == '"') return ReadString(s, ref i);
            if (Word(s, ref i, "true")) return true;
            if (Word(s, ref i, "false")) return false;
            if (Word(s, ref i, "null")) return null;
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
            if (start == i) throw new FormatException("Unexpected character in JSON.");
            return double.Parse(s.Substring(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        static bool Word(string s, ref int i, string word)
        {
            if (string.CompareOrdinal(s, i, word, 0, word.Length) != 0) return false;
            i += word.Length;
            return true;
        }

        static string ReadString(string s, ref int i)
        {
            if (s[i] != '"') throw new FormatException("Expected a string.");
            i++;
            var sb = new StringBuilder();
            while (true)
            {
                char c = s[i++];
                if (c == '"') return sb.ToString();
                if (c != '\\') { sb.Append(c); continue; }
                char e = s[i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'u': sb.Append((char)Convert.ToInt32(s.Substring(i, 4), 16)); i += 4; break;
                    default: sb.Append(e); break;
                }
            }
        }

        public static string Write(object value)
        {
            var sb = new StringBuilder();
            Write(sb, value);
            return sb.ToString();
        }

        static void Write(StringBuilder sb, object value)
        {
            if (value == null) sb.Append("null");
            else if (value is string str) WriteString(sb, str);
            else if (value is bool b) sb.Append(b ? "true" : "false");
            else if (value is double || value is int || value is long)
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
            else if (value is IDictionary<string, object> obj)
            {
                sb.Append('{');
                bool first = true;
                foreach (var pair in obj)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, pair.Key);
                    sb.Append(':');
                    Write(sb, pair.Value);
                }
                sb.Append('}');
            }
            else if (value is System.Collections.IEnumerable list)
            {
                sb.Append('[');
                bool first = true;
                foreach (var item in list)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    Write(sb, item);
                }
                sb.Append(']');
            }
            else throw new ArgumentException("Cannot write " + value.GetType() + " as JSON.");
        }

        static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                if (c == '"' || c == '\\') sb.Append('\\').Append(c);
                else if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4"));
                else sb.Append(c);
            }
            sb.Append('"');
        }

        public static Dictionary<string, object> Obj(object value) => value as Dictionary<string, object>;
        public static string Str(object obj, string key) => Obj(obj) != null && Obj(obj).TryGetValue(key, out var v) ? v as string : null;
        public static double? Num(object obj, string key) => Obj(obj) != null && Obj(obj).TryGetValue(key, out var v) && v is double d ? d : (double?)null;
        public static object Get(object obj, string key) => Obj(obj) != null && Obj(obj).TryGetValue(key, out var v) ? v : null;
    }
}
