import SearchIcon from '@mui/icons-material/Search';
import { Box, IconButton, InputBase } from '@mui/material';
import { useState } from 'react';
import { useTranslate } from 'react-admin';
import { useNavigate } from 'react-router-dom';
import { useSmall } from '../common/useSmall.ts';

/** The app bar's global search: an e-mail, a machine or user name, a license id; Enter opens the results. */
export function SearchBox() {
  const navigate = useNavigate();
  const small = useSmall();
  const translate = useTranslate();
  const [q, setQ] = useState('');
  if (small) {
    return (
      <IconButton color="inherit" aria-label={translate('ra.action.search')} onClick={() => navigate('/search')}>
        <SearchIcon />
      </IconButton>
    );
  }
  return (
    <Box
      component="form"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        if (q.trim()) navigate(`/search?q=${encodeURIComponent(q.trim())}`);
      }}
      sx={{ display: 'flex', alignItems: 'center', bgcolor: 'rgba(255,255,255,0.15)', borderRadius: 1, px: 1, mx: 1 }}
    >
      <SearchIcon fontSize="small" />
      <InputBase
        value={q}
        onChange={(event) => setQ(event.target.value)}
        placeholder={translate('slotkeeper.search.placeholder')}
        inputProps={{ 'aria-label': translate('slotkeeper.search.label') }}
        sx={{ color: 'inherit', ml: 1, width: 220 }}
      />
    </Box>
  );
}
